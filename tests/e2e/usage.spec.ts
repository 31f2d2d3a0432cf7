// The usage page (route `/`) on the demo store: periods in the URL with totals equal to an
// independent computation over the seeded ledger, the Credits panel, reloads, failures and
// retries, bad links, keyboard use, accessibility, and screenshots for review.
import { expect, test, type Page } from '@playwright/test';
import {
  PERIODS,
  addDays,
  PRESETS,
  DEMO_STORE_ONLY,
  onServer,
  screenshot,
  balance,
  expectAccessible,
  fixture,
  minorUnits,
  open,
  periodDays,
  rangeLabel,
  usedBetween,
  type Fixture,
  type PeriodSlug,
} from './support';

interface RateCard {
  features: { name: string; unit: string; prices: { price: { amount: number; per: number } }[] }[];
}

/** The selector's labels. */
const LABELS: Record<PeriodSlug, string> = {
  last_7_days: 'Last 7 days',
  this_month: 'This month',
  last_month: 'Last month',
  last_30_days: 'Last 30 days',
  last_90_days: 'Last 90 days',
  last_180_days: 'Last 180 days',
  this_year: 'This year',
};

/** The first day of the month after `date`'s. */
function nextMonth(date: string): string {
  const d = new Date(`${date.slice(0, 7)}-01T00:00:00Z`);
  d.setUTCMonth(d.getUTCMonth() + 1);
  return d.toISOString().slice(0, 10);
}

/** Every meter's "Used" card equals the seeded ledger's net usage over the period's days. */
async function expectTotals(page: Page, f: Fixture, days: [string, string]) {
  await expect(page.getByTestId('period-range')).toHaveText(rangeLabel(days[0], days[1]));
  for (const meter of f.account.meters) {
    const used = page.getByTestId(`used-${meter.id}`).locator('.stat-value');
    const expected = usedBetween(f, meter.id, days[0], days[1]);
    await expect
      .poll(async () => minorUnits(await used.innerText()), { message: `${meter.name} used` })
      .toBe(expected);
  }
}

// What each product's usage page offers, from its help page: Lucas exactly five periods and
// no custom range, opening on this month; VideoGen the dashboard's own seven and a custom
// range, opening on the last 30 days.
const OFFERED = {
  videogen: { periods: PERIODS, custom: true, first: 'last_30_days' },
  lucas: {
    periods: ['last_7_days', 'this_month', 'last_month', 'last_90_days', 'last_180_days'],
    custom: false,
    first: 'this_month',
  },
} as const;

for (const preset of ['videogen', 'lucas'] as const) {
  test(`${preset}: every period it offers changes the URL and the totals`, async ({ page }) => {
    const f = fixture(preset);
    const offered = OFFERED[preset];
    const errors = await open(page, `/?preset=${preset}`);
    await expect(page.getByTestId('account-name')).toHaveText(f.account.name);
    await expect(page.getByTestId('timezone')).toHaveText(f.account.timezone);
    // No period in the URL: the product's first.
    await expectTotals(page, f, periodDays(f, offered.first)!);
    const chips = page.getByTestId('period-selector').locator('a.chip');
    await expect(chips).toHaveText(offered.periods.map((p) => LABELS[p]));
    await expect(page.getByRole('button', { name: 'Custom range' })).toHaveCount(offered.custom ? 1 : 0);
    for (const period of offered.periods) {
      await page.locator(`a.chip[data-period=${period}]`).click();
      await expect(page).toHaveURL(new RegExp(`[?&]period=${period}(&|$)`));
      await expect(page.locator(`a.chip[data-period=${period}]`)).toHaveAttribute('aria-current', 'true');
      await expectTotals(page, f, periodDays(f, period)!);
    }
    // The preset stays in the URL beside the period.
    expect(new URL(page.url()).searchParams.get('preset')).toBe(preset);
    expect(errors).toEqual([]);
  });
}

test('a link to a period Lucas does not offer says so and shows this month', async ({ page }) => {
  const f = fixture('lucas');
  const errors = await open(page, '/?preset=lucas&period=last_30_days');
  await expect(page.getByTestId('query-problem')).toHaveText(
    'This link’s period does not work: “Last 30 days” is not one of the periods offered here. Showing this month instead.',
  );
  await expect(page.locator('a.chip[data-period=this_month]')).toHaveAttribute('aria-current', 'true');
  await expectTotals(page, f, periodDays(f, 'this_month')!);
  await open(page, '/?preset=lucas&from=2026-08-01&to=2026-08-31');
  await expect(page.getByTestId('query-problem')).toContainText('custom ranges are not offered here');
  await expectTotals(page, f, periodDays(f, 'this_month')!);
  expect(errors).toEqual([]);
});

test('every product opens with each meter’s balance', async ({ page }) => {
  for (const preset of PRESETS) {
    const f = fixture(preset);
    await open(page, `/?preset=${preset}`);
    await expect(page.getByTestId('account-name')).toHaveText(f.account.name);
    for (const meter of f.account.meters) {
      const available = page.getByTestId(`available-${meter.id}`).locator('.stat-value');
      await expect(available).toBeVisible();
      expect(minorUnits(await available.innerText()), `${preset} ${meter.name}`).toBe(balance(f, meter.id));
      await expect(page.getByTestId(`chart-${meter.id}`).locator('canvas').first()).toBeVisible();
    }
  }
});

test('a custom range from the URL, and a reload keeps the period', async ({ page }) => {
  const f = fixture('ngram');
  const errors = await open(page, '/?preset=ngram&from=2026-08-01&to=2026-08-31');
  await expectTotals(page, f, ['2026-08-01', '2026-08-31']);
  await expect(page.locator('#cb-custom-range input[name=from]')).toHaveValue('2026-08-01');
  await expectAccessible(page);
  await page.locator('a.chip[data-period=last_90_days]').click();
  await expect(page).toHaveURL(/period=last_90_days/);
  await page.reload();
  await expect(page.locator('a.chip[data-period=last_90_days]')).toHaveAttribute('aria-current', 'true');
  await expectTotals(page, f, periodDays(f, 'last_90_days')!);
  expect(errors).toEqual([]);
});

test('a period before the history shows the empty state', async ({ page }) => {
  const f = fixture('videogen');
  const errors = await open(page, '/?preset=videogen&from=2024-01-01&to=2024-01-31');
  await expect(page.getByTestId('empty-state')).toContainText('No credits used');
  expect(minorUnits(await page.getByTestId(`used-${f.account.meters[0].id}`).locator('.stat-value').innerText())).toBe(0);
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('long periods get monthly bars, and the tooltip states the total and the activities', async ({ page }) => {
  const f = fixture('act3');
  const meter = f.account.meters[0];
  await open(page, '/?preset=act3&period=last_180_days');
  const [first, last] = periodDays(f, 'last_180_days')!;
  // Hovering a bar shows its month, its total and the categories in it.
  const chart = page.getByTestId(`chart-${meter.id}`);
  await expect(chart.locator('canvas').first()).toBeVisible();
  const canvas = chart.locator('canvas').first();
  await canvas.scrollIntoViewIfNeeded();
  await expect(async () => {
    const box = (await canvas.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.6);
    await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.6, { steps: 5 });
    // Its total, and how many activities ran in that month.
    await expect(chart).toContainText(/[A-Z][a-z]{2} 2026\s*Total: [0-9,]+ credits · [0-9,]+ activities/, {
      timeout: 1_000,
    });
  }).toPass();
  await page.getByRole('button', { name: 'Show as table' }).click();
  const rows = page.getByTestId(`series-table-${meter.id}`).locator('tbody tr');
  // One row per calendar month the period touches, each the net usage of its days in it.
  const months: [string, string][] = [];
  for (let d = first; d <= last; ) {
    const endOfMonth = addDays(nextMonth(d), -1);
    const monthEnd = endOfMonth < last ? endOfMonth : last;
    months.push([d, monthEnd]);
    d = addDays(monthEnd, 1);
  }
  await expect(rows).toHaveCount(months.length);
  for (let i = 0; i < months.length; i++) {
    const [from, to] = months[i];
    const label = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(`${from}T00:00:00Z`),
    );
    await expect(rows.nth(i).locator('th')).toHaveText(label);
    expect(minorUnits(await rows.nth(i).locator('td').first().innerText()), label).toBe(
      usedBetween(f, meter.id, from, to),
    );
  }
  await expectAccessible(page);
});

test('the chart’s numbers are also a table, with the period total', async ({ page }) => {
  const f = fixture('videogen');
  await open(page, '/?preset=videogen&period=last_7_days');
  const days = periodDays(f, 'last_7_days')!;
  const meter = f.account.meters[0];
  await page.getByRole('button', { name: 'Show as table' }).click();
  const table = page.getByTestId(`series-table-${meter.id}`);
  await expect(table.locator('tbody tr')).toHaveCount(7);
  // Each day's total is that day's net usage in the account's timezone.
  for (let i = 0; i < 7; i++) {
    const day = new Date(`${days[0]}T00:00:00Z`);
    day.setUTCDate(day.getUTCDate() + i);
    const d = day.toISOString().slice(0, 10);
    const total = await table.locator('tbody tr').nth(i).locator('td').first().innerText();
    expect(minorUnits(total), d).toBe(usedBetween(f, meter.id, d, d));
  }
  await expect(page.getByTestId(`chart-summary-${meter.id}`)).toContainText(
    `Total ${usedBetween(f, meter.id, days[0], days[1]).toLocaleString('en-US')} credits`,
  );
  await expectAccessible(page);
});

test('a host page that blocks the charting library still gets the numbers, as a table', async ({ page }) => {
  const f = fixture('videogen');
  // The build names it by its content (echarts-<hash>.js).
  await page.route(/\/echarts(-[0-9a-f]{16})?\.js$/, (route) => route.abort());
  await open(page, '/?preset=videogen&period=last_7_days');
  const meter = f.account.meters[0];
  await expect(page.getByText('The chart could not be drawn').first()).toBeVisible();
  await page.getByRole('button', { name: 'Show as table' }).first().click();
  await expect(page.getByTestId(`series-table-${meter.id}`).locator('tbody tr')).toHaveCount(7);
});

test('other pages load with their first visit, not with the usage page', async ({ page }) => {
  const fetched: string[] = [];
  page.on('request', (r) => {
    if (r.url().endsWith('.wasm')) fetched.push(new URL(r.url()).pathname);
  });
  await open(page, '/?preset=videogen');
  await expect(page.getByTestId(/^available-/).first()).toBeVisible();
  await expect(page.locator('[data-rendered]').first()).toBeAttached();
  const firstLoad = [...fetched];
  expect(firstLoad.some((p) => /^\/creditboard_bg(-[0-9a-f]{16})?\.wasm$/.test(p))).toBe(true);
  // On the demo store one worker: the page starts it while the app's code loads, and the app
  // adopts it. On the server none: its page never loads the demo.
  expect(page.workers()).toHaveLength(onServer() ? 0 : 1);
  expect(firstLoad.some((p) => p.includes('rates'))).toBe(false);
  // A slow network: the page says it is loading until the Rate card's code arrives.
  await page.route('**/split___rates*.wasm', async (route) => {
    await new Promise((r) => setTimeout(r, 1500));
    await route.continue();
  });
  await page.getByRole('link', { name: 'Rate card' }).first().click();
  await expect(page.getByRole('status', { name: 'Loading the page' })).toBeVisible();
  await expect(page.getByRole('heading', { name: 'Rate card' })).toBeVisible();
  await expect(page.getByRole('status', { name: 'Loading the page' })).toHaveCount(0);
  expect(fetched.slice(firstLoad.length).some((p) => p.includes('rates'))).toBe(true);
});

test('a designer’s sample job survives a reload, and Reset brings the demo back', DEMO_STORE_ONLY, async ({ page }) => {
  const f = fixture('videogen') as Fixture & { rate_card: RateCard };
  const meter = f.account.meters[0];
  const errors = await open(page, '/?preset=videogen');
  const available = page.getByTestId(`available-${meter.id}`).locator('.stat-value');
  const shown = async () => minorUnits(await available.innerText());
  await expect.poll(shown).toBe(balance(f, meter.id));
  // The demo's first sample job: the rate card's first feature at its first tier, a typical
  // quantity for its unit, rounded up to a whole credit.
  const feature = f.rate_card.features[0];
  const price = feature.prices[0].price;
  const quantity = feature.unit === 'second' ? 8 : feature.unit === 'character' ? 600 : 1;
  const cost = Math.ceil((price.amount * quantity) / price.per);
  await page.getByText('Demo actions').click();
  await page.getByRole('button', { name: 'Run a sample job' }).click();
  await expect(page.getByRole('status').filter({ hasText: `Ran “${feature.name}”` })).toBeVisible();
  await expect.poll(shown).toBe(balance(f, meter.id) - cost);
  await expect(page.getByTestId('balance-counter')).toContainText((balance(f, meter.id) - cost).toLocaleString('en-US'));
  await page.reload();
  await expect.poll(shown).toBe(balance(f, meter.id) - cost);
  await page.getByText('Demo actions').click();
  await page.getByRole('button', { name: 'Reset demo data' }).click();
  await expect.poll(shown).toBe(balance(f, meter.id));
  await page.reload();
  await expect.poll(shown).toBe(balance(f, meter.id));
  expect(errors).toEqual([]);
});

test('the Credits panel opens from the balance counter and closes with Escape', async ({ page }) => {
  const f = fixture('act3');
  const errors = await open(page, '/?preset=act3');
  const counter = page.getByTestId('balance-counter');
  await expect(counter).toContainText(balance(f, f.account.meters[0].id).toLocaleString('en-US'));
  await counter.click();
  // ACT3's "Credits Detail" panel, in its words: "Monthly Allocation" and "Rollover Bank".
  const panel = page.getByRole('dialog', { name: 'Credits Detail' });
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('Monthly Allocation');
  await expect(panel).toContainText('Rollover Bank');
  await expect(panel).toContainText('Held by running jobs');
  await expect(panel).toContainText('Next refill');
  // ACT3's panel goes on to its Transaction History and Buy Credits (see walks.spec.ts).
  await expect(panel).toContainText('Transaction History');
  const meter = f.account.meters[0];
  expect(minorUnits(await panel.getByTestId(`panel-available-${meter.id}`).innerText())).toBe(balance(f, meter.id));
  await expectAccessible(page);
  await page.keyboard.press('Escape');
  await expect(panel).toBeHidden();
  await expect(counter).toBeFocused();
  expect(errors).toEqual([]);
});

test('a store failure shows the error panel, and Try again recovers', DEMO_STORE_ONLY, async ({ page }) => {
  const errors = await open(page, '/?preset=fotomaster');
  await expect(page.getByTestId('available-usd')).toBeVisible();
  await page.getByText('Demo actions').click();
  await page.getByRole('button', { name: 'Simulate an error' }).click();
  // The page's own panel (the usage below it is kept, hidden, with any panels of its parts).
  const panel = page.getByTestId('error-panel').filter({ hasText: 'credit usage' });
  await expect(panel).toBeVisible();
  await expect(panel).toContainText('We could not load your credit usage');
  await expect(panel).toContainText('failed this request on purpose');
  await expectAccessible(page);
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(panel).toBeHidden();
  await expect(page.getByTestId('available-usd')).toBeVisible();
  expect(errors).toEqual([]);
});

test('a bad query string says what is wrong and shows the default period', async ({ page }) => {
  const f = fixture('videogen');
  for (const [query, says] of [
    ['period=last_91_days', '“last_91_days” is not a known period'],
    ['from=2026-08-31&to=2026-08-01', 'the range ends (2026-08-01) before it starts (2026-08-31)'],
    ['from=2026-02-30&to=2026-03-01', '“2026-02-30” is not a date'],
  ]) {
    const errors = await open(page, `/?${query}`);
    await expect(page.getByTestId('query-problem')).toContainText(says);
    await expect(page.locator('a.chip[data-period=last_30_days]')).toHaveAttribute('aria-current', 'true');
    await expectTotals(page, f, periodDays(f, 'last_30_days')!);
    expect(errors).toEqual([]);
  }
});

test('an unknown preset in the URL says so and shows the default demo', async ({ page }) => {
  const errors = await open(page, '/?preset=nope');
  await expect(page.getByRole('status').filter({ hasText: 'There is no product preset “nope”' })).toBeVisible();
  await expect(page.getByTestId('account-name')).toHaveText(fixture('videogen').account.name);
  expect(errors).toEqual([]);
});

test('a deep link is served by the app, and its demo data loads', async ({ page }) => {
  const errors = await open(page, '/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  // The demo worker is found beside the app's files, not relative to the deep link.
  await expect(page.getByTestId('account-name')).toHaveText(fixture('videogen').account.name);
  expect(errors).toEqual([]);
});

test('the period and the Credits panel work from the keyboard alone', async ({ page }) => {
  await open(page, '/?preset=videogen');
  await expect(page.getByTestId('available-credits')).toBeVisible();
  // Tab until the "Last 7 days" chip has focus, then choose it with Enter.
  const chip = page.locator('a.chip[data-period=last_7_days]');
  for (let i = 0; i < 30 && !(await chip.evaluate((el) => el === document.activeElement)); i++) {
    await page.keyboard.press('Tab');
  }
  await expect(chip).toBeFocused();
  // The focus ring is visible: an outline drawn around the focused chip.
  const outline = await chip.evaluate((el) => getComputedStyle(el).outlineStyle);
  expect(outline).toBe('solid');
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(/period=last_7_days/);
  // The balance counter opens the panel with Enter; focus moves into it and stays there.
  await page.getByTestId('balance-counter').focus();
  await page.keyboard.press('Enter');
  const close = page.getByRole('button', { name: 'Close the credits panel' });
  await expect(close).toBeFocused();
  for (let i = 0; i < 5; i++) await page.keyboard.press('Tab');
  expect(await page.evaluate(() => !!document.activeElement?.closest('[role=dialog]'))).toBe(true);
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('balance-counter')).toBeFocused();
});

test('no serious accessibility violation; screenshots in light, dark and at 360 px', async ({ browser }) => {
  for (const [name, url, options] of [
    ['usage-light', '/?preset=lucas', { colorScheme: 'light', viewport: { width: 1280, height: 900 } }],
    ['usage-dark', '/?preset=lucas', { colorScheme: 'dark', viewport: { width: 1280, height: 900 } }],
    ['usage-360', '/?preset=act3', { colorScheme: 'light', viewport: { width: 360, height: 780 } }],
    ['usage-360-dark', '/?preset=fotomaster', { colorScheme: 'dark', viewport: { width: 360, height: 780 } }],
    ['usage-360-two-meters', '/?preset=lucas', { colorScheme: 'light', viewport: { width: 360, height: 780 } }],
  ] as const) {
    const context = await browser.newContext({ ...options, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await open(page, url);
    await expect(page.locator('canvas').first()).toBeVisible();
    await expectAccessible(page);
    // Nothing sticks out sideways at 360 px.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow, `${name}: horizontal overflow`).toBeLessThanOrEqual(0);
    await page.screenshot({ path: screenshot(`${name}.png`), fullPage: true });
    await context.close();
  }
});
