// Each product's pages as its help page describes them (`../shared/seeds`): where things
// are, in the help page's words, with numbers computed here from the seeded ledger. The
// ngram walk is in presets.spec.ts beside the other ngram checks.
import { expect, test, type Page } from '@playwright/test';
import {
  PRESETS,
  SCREENSHOTS_ONCE,
  balance,
  expectAccessible,
  fixture,
  ledgerIds,
  listed,
  localDate,
  minorUnits,
  open,
  periodDays,
  rowsOf,
  screenshot,
  usedBetween,
  addDays,
  type PeriodSlug,
  viewAs,
} from './support';


/** The page positions of elements by test id, top to bottom as listed. */
async function tops(page: Page, ids: string[]): Promise<number[]> {
  return page.evaluate(
    (ids) =>
      ids.map((id) => {
        const el = document.querySelector(`[data-testid="${id}"]`);
        return el ? el.getBoundingClientRect().top + window.scrollY : Number.NaN;
      }),
    ids,
  );
}

/** Top to bottom (side by side counts as in order). */
function ascending(xs: number[]): boolean {
  return xs.every((x, i) => !Number.isNaN(x) && (i === 0 || xs[i - 1] <= x + 24));
}

test('videogen: the Usage tab has Buy credits, Configure top-ups, the Enable top-ups banner while they are off, and See rate card at the bottom', async ({
  page,
}) => {
  const f = fixture('videogen');
  const errors = await open(page, '/?preset=videogen');
  await expect(page.getByTestId('available-credits')).toBeVisible();
  // "Click Buy credits … choose from one of the available credit packs".
  const buy = page.getByTestId('buy-credits');
  for (const pack of ['2,000 Mini', '5,000 Standard', '10,000 Large', '25,000 Bulk']) {
    await expect(buy.getByLabel(new RegExp(pack))).toHaveCount(1);
  }
  const topUps = page.getByTestId('top-ups-credits');
  await expect(topUps).toBeVisible();
  // The balance first, then buying and top-ups, then the chart, and the rate card link last.
  expect(
    ascending(await tops(page, ['meter-credits', 'buy-credits', 'top-ups-credits', 'details-credits', 'rate-card-link'])),
  ).toBe(true);
  // Top-ups are on in this team: no banner. Turned off, "Enable top-ups" shows at the top
  // and leads to the settings; turned on again, it goes.
  await expect(page.getByTestId('top-ups-banner')).toHaveCount(0);
  await topUps.getByTestId('top-up-enabled').uncheck();
  await topUps.getByRole('button', { name: 'Save top-ups' }).click();
  await expect(topUps.getByTestId('top-up-outcome')).toContainText('off');
  const banner = page.getByTestId('top-ups-banner');
  await expect(banner).toBeVisible();
  expect(ascending(await tops(page, ['top-ups-banner', 'meter-credits']))).toBe(true);
  await banner.getByRole('link', { name: 'Enable top-ups' }).click();
  await expect(page).toHaveURL(/#top-ups-credits$/);
  await topUps.getByTestId('top-up-enabled').check();
  await topUps.getByRole('button', { name: 'Save top-ups' }).click();
  await expect(banner).toHaveCount(0);
  // "See rate card at the bottom of the Usage tab": only High image quality requires
  // top-ups, not AI image as a whole.
  await page.getByTestId('rate-card-link').click();
  await expect(page).toHaveURL(/\/rates/);
  const image = page.getByTestId('rate-ai_image');
  await expect(image.locator('.needs-top-ups')).toHaveCount(0);
  await expect(image.locator('.needs')).toHaveText('High needs a Pro plan and top-ups enabled');
  expect(balance(f, 'credits')).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('videogen: the Cost Estimate dialog speaks VideoGen’s words, not a film studio’s', async ({ page }) => {
  await open(page, '/rates?preset=videogen');
  const line = page.getByTestId('line-1');
  await line.getByLabel('Feature').selectOption({ label: 'AI image' });
  await line.getByLabel('Quality').selectOption({ label: 'Standard' });
  await line.getByLabel(/Quantity/).fill('4');
  await page.getByTestId('generate').click();
  const dialog = page.getByTestId('cost-estimate');
  await expect(dialog.locator('thead th')).toHaveText(['Job', 'Feature', 'Quality', 'Quantity', 'Estimated cost']);
  await expect(dialog.locator('tbody tr th')).toHaveText('Job 1');
  await expect(dialog.locator('tbody tr td').nth(0)).toHaveText('AI image');
  await expect(dialog.locator('tbody tr td').nth(2)).toHaveText('4 images');
  await expect(dialog).not.toContainText('shot');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
});

test('videogen: a member sees the contact-your-admin message where an admin buys', async ({ page }) => {
  await open(page, '/?preset=videogen');
  await viewAs(page, /Jonas Weber/);
  await expect(page.getByTestId('buy-credits')).toContainText('Only team admins can buy credits — contact Anton Koenig.');
  await expect(page.getByTestId('top-ups-credits')).toContainText(
    'Only team admins can change automatic top-ups — contact Anton Koenig.',
  );
});

test('act3: the Credits Detail panel holds Monthly Allocation, Rollover Bank, the Transaction History and Buy Credits, in that order', async ({
  page,
}) => {
  const f = fixture('act3');
  const errors = await open(page, '/?preset=act3');
  await page.getByTestId('balance-counter').click();
  const panel = page.getByTestId('credits-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByRole('heading', { name: 'Credits Detail' })).toBeVisible();
  await expect(panel.locator('.bucket-row dt').first()).toHaveText('Monthly Allocation');
  await expect(panel.locator('.bucket-row dt').nth(1)).toHaveText('Rollover Bank');
  // "Each row shows: the date, the shot name, the quality tier used, and the credit cost":
  // a row per job, the newest first (a render and its settlement are one row).
  const history = panel.getByTestId('panel-history');
  await expect(history.locator('thead th')).toHaveText(['Date', 'Shot', 'Quality tier', 'Credits']);
  const rows = rowsOf([...listed(f.entries)].reverse()).slice(0, 50);
  await expect(history.locator('tbody tr')).toHaveCount(rows.length);
  const ids = await history
    .locator('tbody tr')
    .evaluateAll((trs) => trs.map((tr) => Number((tr as HTMLElement).dataset.entry)));
  expect(ids).toEqual(rows.map((e) => e.id));
  // The cost column is in view in the narrow panel: no sideways scroll.
  const [scroll, shown] = await history
    .locator('.panel-history-scroll')
    .evaluate((w) => [w.scrollWidth, w.clientWidth]);
  expect(scroll).toBeLessThanOrEqual(shown);
  // "At the bottom of the Credits Detail panel, click Buy Credits. A dialog opens showing
  // credit pack options … Credits are added to your Rollover Bank."
  expect(
    ascending(
      await page.evaluate(() =>
        ['.buckets', '[data-testid=panel-history]', '[data-testid=panel-buy]'].map(
          (s) => document.querySelector(s)!.getBoundingClientRect().top,
        ),
      ),
    ),
  ).toBe(true);
  await panel.getByTestId('panel-buy').click();
  const dialog = page.getByTestId('panel-buy-dialog');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Review purchase' }).click();
  await expect(dialog).toContainText('They go into your rollover bank.');
  await expectAccessible(page);
  expect(errors).toEqual([]);
});

test('fotomaster: the dashboard has the balance to the cent with Amount and Buy credits beside it, the timeline, and Recent Activity at the bottom', async ({
  page,
}) => {
  const f = fixture('fotomaster');
  const errors = await open(page, '/?preset=fotomaster');
  const available = page.getByTestId('available-usd');
  await expect(available.locator('.stat-label')).toHaveText('Current Balance');
  await expect(available.locator('.stat-value')).toHaveText(/^\$[\d,]+\.\d\d$/);
  expect(minorUnits(await available.locator('.stat-value').innerText())).toBe(balance(f, 'usd'));
  // "Type the exact numerical dollar amount … click the dark Buy credits button".
  const buy = page.getByTestId('buy-usd');
  await expect(buy.getByTestId('buy-amount')).toBeVisible();
  // Buying "directly to the right" of the balance, then the timeline, then Recent Activity
  // at the bottom.
  await expect(page.getByTestId('recent-activity').getByTestId('ledger')).toBeVisible();
  const [balanceBox, buyBox] = [await available.boundingBox(), await buy.boundingBox()];
  expect(buyBox!.x, 'to the right of the balance').toBeGreaterThan(balanceBox!.x + balanceBox!.width);
  expect(Math.abs(buyBox!.y - balanceBox!.y), 'on the same row').toBeLessThan(24);
  expect(ascending(await tops(page, ['meter-usd', 'buy-usd', 'details-usd', 'recent-activity']))).toBe(true);
  // "Select Dates", in its words.
  await expect(page.getByTestId('period-selector')).toContainText('Select Dates');
  // The grid: Transaction and Balance in dollars, Status "Success" in green.
  const grid = page.getByTestId('recent-activity');
  await expect(grid.getByTestId('ledger').locator('thead th')).toHaveText([
    'Date',
    'Service',
    'Type',
    'Status',
    'Transaction',
    'Balance',
  ]);
  const first = grid.locator('[data-testid=ledger] tbody tr').first();
  await expect(first.locator('td.num').first()).toHaveText(/^[-+]?\$[\d,]+\.\d\d$|^\$0\.00$/);
  await expect(first.locator('td.num').last()).toHaveText(/^\$[\d,]+\.\d\d$/);
  const success = grid.locator('.status-success').first();
  await expect(success).toHaveText('Success');
  const [green, ok] = await success.evaluate((el) => [
    getComputedStyle(el).color,
    (() => {
      const probe = document.createElement('span');
      probe.style.color = 'var(--cb-ok)';
      el.appendChild(probe);
      const c = getComputedStyle(probe).color;
      probe.remove();
      return c;
    })(),
  ]);
  expect(green).toBe(ok);
  // The grid's rows: this month's jobs, newest first.
  const [d0, d1] = periodDays(f, 'this_month')!;
  const month = listed(f.entries).filter((e) => {
    const d = localDate(e.at, f.account.timezone);
    return d >= d0 && d <= d1;
  });
  expect(await ledgerIds(page)).toEqual(rowsOf(month.reverse()).slice(0, 25).map((e) => e.id));
  expect(errors).toEqual([]);
});

test('lucas: two metrics at the top, five periods in the account’s timezone, data through yesterday 23:59, and whom to ask for more', async ({
  page,
}) => {
  const f = fixture('lucas');
  const tz = f.account.timezone;
  const errors = await open(page, '/?preset=lucas&period=last_7_days');
  // "The dashboard displays two main metrics at the top of the page."
  for (const name of ['Video Rendering Minutes', 'AI Feature Credits']) {
    await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
  }
  expect(ascending(await tops(page, ['meter-render_minutes', 'meter-ai_credits', 'details-render_minutes']))).toBe(true);
  // "… using the selector at the top of the dashboard": the help page's five, in its order.
  await expect(page.getByTestId('period-selector').locator('a.chip')).toHaveText([
    'Last 7 days',
    'This month',
    'Last month',
    'Last 90 days',
    'Last 180 days',
  ]);
  // "Rolling 7 days from current date backwards", in the account's timezone, through
  // yesterday: what the minutes card says was used is the consumes net of refunds on
  // those local days.
  const [first, last] = periodDays(f, 'last_7_days')!;
  expect(last).toBe(addDays(localDate(f.now, tz), -1));
  await expect
    .poll(async () => minorUnits(await page.getByTestId('used-render_minutes').locator('.stat-value').innerText()))
    .toBe(usedBetween(f, 'render_minutes', first, last));
  // "Usage data reflects activity through yesterday, 23:59."
  const yesterday = new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric' }).format(
    new Date(`${last}T00:00:00Z`),
  );
  await expect(page.getByTestId('freshness')).toHaveText(`Data through ${yesterday}, 23:59`);
  // "What happens if I run out of rendering minutes? Contact your account administrator or
  // Idomoo support": said where a run-out is foreseen, and on Billing, where nothing is sold
  // and so no top-ups are offered either.
  const forecast = page.getByTestId('forecast-render_minutes');
  const runout = (await forecast.locator('.forecast-runout').innerText()).trim();
  if (/ until /.test(runout) || /will not cover/.test(runout)) {
    await expect(forecast).toContainText('contact your account administrator or Idomoo support');
  } else {
    await expect(forecast).not.toContainText('contact your account administrator');
  }
  await page.getByRole('link', { name: 'Billing' }).first().click();
  for (const [id, name] of [
    ['render_minutes', 'Video Rendering Minutes'],
    ['ai_credits', 'AI Feature Credits'],
  ]) {
    await expect(page.getByTestId(`not-sold-${id}`)).toContainText(
      `${name} cannot be bought here. To increase your allocation, contact your account administrator or Idomoo support.`,
    );
    await expect(page.getByTestId(`top-ups-${id}`)).toHaveCount(0);
  }
  await expect(page.getByText('Automatic top-ups')).toHaveCount(0);
  expect(errors).toEqual([]);
});

/** Each meter's "used" on the Activity page's summary ("used 70.6 min and 1,516 credits"),
 *  in the order written. */
async function activityUsed(page: Page): Promise<number[]> {
  const text = await page.getByTestId('activity-summary').innerText();
  const used = text
    .split('·')
    .map((p) => p.trim())
    .find((p) => p.startsWith('used '));
  return used ? used.slice(5).split(' and ').map(minorUnits) : [];
}

// "Used" means one thing: for the same period, the Activity page's "used" is the Usage
// page's, and both are the consumes net of their refunds over the same local days.
for (const preset of PRESETS) {
  test(`${preset}: used on the Activity page equals used on the Usage page`, async ({ page }) => {
    const f = fixture(preset);
    const period: PeriodSlug = ['lucas', 'fotomaster'].includes(preset) ? 'this_month' : 'last_30_days';
    const [first, last] = periodDays(f, period)!;
    const meters = f.account.meters.map((m) => m.id);
    const want = meters.map((m) => usedBetween(f, m, first, last));
    await open(page, `/?preset=${preset}&period=${period}`);
    const onUsage = await Promise.all(
      meters.map(async (m) => {
        const card = page.getByTestId(`used-${m}`).locator('.stat-value');
        await expect(card).toBeVisible();
        await expect.poll(async () => minorUnits(await card.innerText())).toBe(want[meters.indexOf(m)]);
        return minorUnits(await card.innerText());
      }),
    );
    await open(page, `/activity?preset=${preset}&period=${period}`);
    await expect.poll(() => activityUsed(page)).toEqual(onUsage.filter((u) => u !== 0));
  });
}

// Screenshots for review, one test per product so the workers share them out. Taken once, on
// the demo store: the server's demo serves the same app over the same histories, and its own
// pages are screenshotted by the accessibility tests.
for (const preset of PRESETS) {
  test(`screenshots: ${preset}’s Usage and Activity pages${preset === 'act3' ? ' (and the Credits Detail panel)' : ''}, light, dark and 360 px`, SCREENSHOTS_ONCE, async ({
    browser,
  }) => {
    for (const [look, options] of [
      ['light', { colorScheme: 'light' as const, viewport: { width: 1280, height: 900 } }],
      ['dark', { colorScheme: 'dark' as const, viewport: { width: 1280, height: 900 } }],
      ['360', { colorScheme: 'light' as const, viewport: { width: 360, height: 800 } }],
    ] as const) {
      const context = await browser.newContext({ ...options, reducedMotion: 'reduce' });
      const page = await context.newPage();
      await open(page, `/?preset=${preset}`);
      await expect(page.locator('[data-testid^=details-] [data-rendered], .empty-state').first()).toBeAttached();
      await page.screenshot({ path: screenshot(`walk-${preset}-usage-${look}.png`), fullPage: true });
      if (look === '360') {
        const width = await page.evaluate(() => document.documentElement.scrollWidth);
        expect(width, `${preset}: the usage page fits 360 px`).toBeLessThanOrEqual(360);
      }
      if (preset === 'act3') {
        await page.getByTestId('balance-counter').click();
        await expect(page.getByTestId('panel-history').locator('tbody tr').first()).toBeVisible();
        await page.screenshot({ path: screenshot(`walk-act3-panel-${look}.png`) });
        await page.keyboard.press('Escape');
      }
      await open(page, `/activity?preset=${preset}`);
      await expect(page.getByTestId('ledger')).toBeVisible();
      await page.screenshot({ path: screenshot(`walk-${preset}-activity-${look}.png`), fullPage: true });
      if (preset === 'fotomaster') {
        // An event's Analytics, one click from the Activity page.
        await page.getByTestId('project-links').getByRole('link').first().click();
        await expect(page.getByTestId('project-usd').locator('[data-rendered]').first()).toBeAttached();
        await page.screenshot({ path: screenshot(`walk-fotomaster-event-${look}.png`), fullPage: true });
        if (look === '360') {
          const width = await page.evaluate(() => document.documentElement.scrollWidth);
          expect(width, 'the event page fits 360 px').toBeLessThanOrEqual(360);
        }
      }
      await context.close();
    }
  });
}

test('at 1280 px the Activity table shows every column without a sideways scroll', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  const all = 'time,description,service,category,member,project,tier,type,status,amount,balance';
  for (const preset of ['videogen', 'fotomaster'] as const) {
    await open(page, `/activity?preset=${preset}&cols=${all}`);
    await expect(page.getByTestId('ledger').locator('tbody tr').first()).toBeVisible();
    const [scroll, shown] = await page
      .locator('.table-wrap')
      .first()
      .evaluate((w) => [w.scrollWidth, w.clientWidth]);
    expect(scroll, `${preset}: the Balance column is in view`).toBeLessThanOrEqual(shown);
  }
});

test('every page fits 360 px', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  for (const preset of PRESETS) {
    for (const path of ['/', '/activity', '/rates', '/billing', '/team']) {
      await open(page, `${path}?preset=${preset}`);
      await expect(page.locator('main h1').first()).toBeVisible();
      await page.waitForTimeout(300);
      const width = await page.evaluate(() => document.documentElement.scrollWidth);
      expect(width, `${preset} ${path}`).toBeLessThanOrEqual(360);
    }
  }
});
