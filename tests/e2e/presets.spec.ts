// What makes each product itself, as its help page describes it (on the demo store and on the
// server). The expected names and numbers are written out from the help pages or computed
// here from the seeded ledger, never read from the page.
import { expect, test, type Page } from '@playwright/test';
import {
  activitySummary,
  balance,
  expectAccessible,
  fixture,
  ledgerIds,
  listed,
  rowsOf,
  localDate,
  minorUnits,
  open,
  periodDays,
  screenshot,
  summed,
  usedBetween,
  type Entry,
  type Fixture,
} from './support';

/** An entry with the buckets it moved (`split`) and what it was for. */
type SplitEntry = Entry & {
  split?: { amount: number; kind: string }[];
  usage?: { member?: string; description?: string; feature?: string; tier?: string };
};

/** What an entry moved into (+) or out of (−) buckets of `kind`. */
function moved(e: SplitEntry, kind: string): number {
  return (e.split ?? []).filter((s) => s.kind === kind).reduce((sum, s) => sum + s.amount, 0);
}

/** Entries on the local days `[first, last]`. */
/** The entries of the local days `[first, last]`, as the Activity listing sees them. */
function between(f: Fixture, first: string, last: string) {
  return listed(f.entries as SplitEntry[]).filter((e) => {
    const d = localDate(e.at, f.account.timezone);
    return d >= first && d <= last;
  });
}

/** "Dec 12, 2026" for 2026-12-12. */
function dateLabel(date: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: 'UTC', month: 'short', day: 'numeric', year: 'numeric' }).format(
    new Date(`${date}T00:00:00Z`),
  );
}

/** The table's cells in the column headed `header`, top to bottom. */
async function column(page: Page, testid: string, header: string): Promise<string[]> {
  const table = page.getByTestId(testid);
  const headers = await table.locator('thead th').allInnerTexts();
  const at = headers.findIndex((h) => h.trim().toLowerCase() === header.toLowerCase());
  expect(at, `a “${header}” column in ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return table.locator(`tbody tr > :nth-child(${at + 1})`).allInnerTexts();
}

test('lucas: minutes and AI credits apart, the eight AI categories, exactly five periods', async ({ page }) => {
  const f = fixture('lucas');
  const errors = await open(page, '/?preset=lucas&period=last_180_days');
  for (const [id, name] of [
    ['render_minutes', 'Video Rendering Minutes'],
    ['ai_credits', 'AI Feature Credits'],
  ]) {
    await expect(page.getByRole('heading', { level: 2, name, exact: true })).toBeVisible();
    const available = page.getByTestId(`available-${id}`).locator('.stat-value');
    await expect.poll(async () => minorUnits(await available.innerText()), { message: name }).toBe(balance(f, id));
  }
  // "Your Available Rendering Minutes balance is displayed there."
  await expect(page.getByTestId('available-render_minutes').locator('.stat-label')).toHaveText(
    'Available Rendering Minutes',
  );
  // The help page's eight AI categories, each with usage over half a year.
  const categories = [
    'Image animation',
    'Image generation',
    'Voice generation',
    'AI avatars',
    'Brand customization',
    'Stock media',
    'Content extraction',
    'Music generation',
  ];
  const names = await column(page, 'by-category-ai_credits', 'Category');
  expect(names.map((n) => n.trim()).sort()).toEqual([...categories].sort());
  await expect(page.getByTestId('period-selector').locator('a.chip')).toHaveCount(5);
  expect(errors).toEqual([]);
});

test('videogen: a team member on every job in the ledger, and packs of 2,000 to 25,000', async ({ page }) => {
  const f = fixture('videogen');
  const errors = await open(page, '/activity?preset=videogen&period=last_7_days&type=consume&size=100');
  await expect(page.getByTestId('ledger')).toBeVisible();
  const ids = await ledgerIds(page);
  const members = await column(page, 'ledger', 'Team member');
  expect(ids.length).toBeGreaterThan(10);
  expect(members).toHaveLength(ids.length);
  // Every job was run by someone, and the row names them: one name per member.
  const byId = new Map((f.entries as (Entry & { usage?: { member?: string } })[]).map((e) => [e.id, e]));
  const names = new Map<string, string>();
  for (const [i, id] of ids.entries()) {
    const member = byId.get(id)?.usage?.member;
    expect(member, `entry ${id} has a member`).toBeTruthy();
    expect(members[i].trim(), `entry ${id}`).not.toBe('');
    expect(names.get(member!) ?? members[i], `entry ${id}`).toBe(members[i]);
    names.set(member!, members[i]);
  }
  expect(new Set(names.values()).size).toBe(names.size);
  await page.getByRole('link', { name: 'Billing' }).click();
  const buy = page.getByTestId('buy-credits');
  for (const pack of ['2,000 Mini', '5,000 Standard', '10,000 Large', '25,000 Bulk']) {
    await expect(buy.getByLabel(new RegExp(pack))).toHaveCount(1);
  }
  expect(errors).toEqual([]);
});

test('ngram: its Usage page as its help page describes it, from the three cards to the link under the chart', async ({
  page,
}) => {
  const f = fixture('ngram');
  const errors = await open(page, '/?preset=ngram');
  // "At the top of the page, three cards": Available Credits, Total Used, Usage Rate (with
  // a progress bar).
  const cards = page.getByTestId('meter-credits').locator('.cards > .stat');
  await expect(cards.locator('.stat-label')).toHaveText(['Available Credits', 'Total Used', 'Usage Rate']);
  await expect(page.getByTestId('rate-credits').getByRole('progressbar')).toBeVisible();
  const value = async (testid: string) => minorUnits(await page.getByTestId(testid).locator('.stat-value').innerText());
  await expect.poll(() => value('available-credits')).toBe(balance(f, 'credits'));
  // "Total Used: credits consumed in the current billing period": the page opens on it. The
  // period runs from the last billing date (the account's anchor day) through today; its
  // consumes net of their refunds are summed here from the ledger.
  await expect(page.locator('a.chip[data-period=this_billing_period]')).toHaveAttribute('aria-current', 'true');
  const anchor = (f.account as unknown as { billing: { anchor_day: number } }).billing.anchor_day;
  const today = localDate(f.now, f.account.timezone);
  const cycle = new Date(`${today.slice(0, 8)}01T00:00:00Z`);
  if (Number(today.slice(8)) < anchor) cycle.setUTCMonth(cycle.getUTCMonth() - 1);
  const cycleStart = `${cycle.toISOString().slice(0, 8)}${String(anchor).padStart(2, '0')}`;
  const used = usedBetween(f, 'credits', cycleStart, today);
  expect(used).toBeGreaterThan(0);
  await expect.poll(() => value('used-credits')).toBe(used);
  // "Usage Rate: percentage of your allocation used": this period against its 4,000.
  const rate = page.getByTestId('rate-credits');
  await expect(rate).toContainText(`${used.toLocaleString('en-US')} of 4,000 credits this billing period`);
  await expect(rate.getByRole('progressbar')).toHaveAttribute(
    'aria-valuenow',
    String(Math.min(100, Math.floor((used * 100) / 4000))),
  );
  // Below the cards, the activity table (Date, Description, Category, Credits), a page at a
  // time; below it the Daily Credit Usage chart; under that the link.
  const table = page.getByTestId('recent-activity');
  await expect(table.getByTestId('ledger').locator('thead th')).toHaveText(['Date', 'Description', 'Category', 'Credits']);
  const [first, last] = periodDays(f, 'last_30_days')!;
  const days = between(f, first, last);
  expect(await ledgerIds(page)).toEqual(rowsOf([...days].reverse()).slice(0, 25).map((e) => e.id));
  await expect(table.getByTestId('pager')).toBeVisible();
  const order = await page.evaluate(() =>
    ['meter-credits', 'recent-activity', 'details-credits', 'activity-link'].map((id) => {
      const el = document.querySelector(`[data-testid=${id}]`)!;
      return el.getBoundingClientRect().top + window.scrollY;
    }),
  );
  expect([...order].sort((a, b) => a - b), 'cards, table, chart, link').toEqual(order);
  // "Daily Credit Usage (Last 30 days)" with "total credits used and average per day".
  await expect(page.locator('.chart-card h2')).toHaveText('Daily Credit Usage');
  const used30 = usedBetween(f, 'credits', first, last);
  const average = Math.round(used30 / 30);
  await expect(page.getByTestId('chart-summary-credits')).toHaveText(
    `Last 30 days: Total ${used30.toLocaleString('en-US')} credits · ≈ ${average.toLocaleString('en-US')} credits per day`,
  );
  // The chart's numbers as a table: one row a day, adding up to the total.
  await page.getByRole('button', { name: 'Show as table' }).click();
  await expect(page.getByTestId('series-table-credits').locator('tbody tr')).toHaveCount(30);
  const totals = await column(page, 'series-table-credits', 'Total');
  expect(totals.reduce((sum, t) => sum + minorUnits(t), 0)).toBe(used30);
  // "See last 30 days of usage activity": the Activity page over exactly those days, where
  // "used" is the usage page's.
  await page.getByRole('link', { name: 'See last 30 days of usage activity' }).click();
  await expect(page).toHaveURL(/\/activity\?(.*&)?period=last_30_days/);
  await expect(page.locator('select[data-filter=period]')).toHaveValue('last_30_days');
  await expect.poll(() => activitySummary(page)).toEqual(summed(days));
  expect(summed(days)[1]).toBe(used30);
  await expect(page.getByTestId('ledger').locator('thead th')).toHaveText(['Date', 'Description', 'Category', 'Credits']);
  expect(errors).toEqual([]);
});

test('videogen: included credits go first, the balance card splits them from additional credits, the next refill, 1/7/30-day activity', async ({
  page,
}) => {
  const f = fixture('videogen');
  // The buckets replayed from every entry's split: a consume takes additional credits only
  // once it has emptied the included ones.
  let included = 0;
  let additional = 0;
  let fromAdditional = 0;
  const early: number[] = [];
  for (const e of f.entries as SplitEntry[]) {
    if (e.kind === 'consume' && moved(e, 'additional') < 0) {
      fromAdditional++;
      if (included + moved(e, 'included') !== 0) early.push(e.id);
    }
    included += moved(e, 'included');
    additional += moved(e, 'additional');
  }
  expect(fromAdditional).toBeGreaterThan(0);
  expect(early, 'consumes that took additional credits while included ones were left').toEqual([]);
  expect(included + additional).toBe(balance(f, 'credits'));
  const errors = await open(page, '/?preset=videogen');
  const card = page.getByTestId('available-credits');
  await expect.poll(async () => minorUnits(await card.locator('.stat-value').innerText())).toBe(balance(f, 'credits'));
  const buckets = page.getByTestId('buckets-credits');
  await expect(buckets.locator('dt')).toHaveText(['Included credits', 'Additional credits']);
  await expect(buckets.locator('[data-bucket=included] dd')).toHaveText(`${included.toLocaleString('en-US')} credits`);
  await expect(buckets.locator('[data-bucket=additional] dd')).toHaveText(
    `${additional.toLocaleString('en-US')} credits`,
  );
  // The next refill: the account's billing day, after today in its timezone.
  const anchor = (f.account as unknown as { billing: { anchor_day: number } }).billing.anchor_day;
  const today = localDate(f.now, f.account.timezone);
  const month = new Date(`${today.slice(0, 8)}01T00:00:00Z`);
  if (Number(today.slice(8)) >= anchor) month.setUTCMonth(month.getUTCMonth() + 1);
  const refill = `${month.toISOString().slice(0, 8)}${String(anchor).padStart(2, '0')}`;
  await expect(page.getByTestId('next-refill-credits')).toHaveText(`Next refill: ${dateLabel(refill)}`);

  // "You can filter activity by time range (1 day, 7 days, or 30 days)": exactly those.
  await open(page, '/activity?preset=videogen&period=last_90_days');
  const period = page.locator('select[data-filter=period]');
  await expect(period.locator('option')).toHaveText(['Last 24 hours', 'Last 7 days', 'Last 30 days']);
  expect(await period.locator('option').evaluateAll((o) => o.map((x) => (x as HTMLOptionElement).value))).toEqual([
    'last_1_day',
    'last_7_days',
    'last_30_days',
  ]);
  // A link to a range it does not offer says so, and shows the last 30 days.
  await expect(page.getByTestId('query-problem')).toContainText('“Last 90 days” is not one of the periods offered here');
  await expect(period).toHaveValue('last_30_days');
  const [first, last] = periodDays(f, 'last_30_days')!;
  const days = between(f, first, last);
  await expect.poll(() => activitySummary(page)).toEqual(summed(days));
  expect(errors).toEqual([]);
});

test('act3: the rollover bank never passes its cap across a cycle, and the Cost Estimate dialog prices a shot', async ({
  page,
}) => {
  const f = fixture('act3');
  // "The rollover bank accumulates month to month up to the cap for your plan": the preset's
  // plan caps it at 60,000 credits.
  const cap = 60_000;
  // Each billing cycle's start, replayed from the ledger: the unused allocation moves into the
  // bank up to the room left under the cap, and the rest expires.
  // Checked in plain code and reported once: an assertion per entry would be 20,000 steps.
  let bank = 0;
  let included = 0;
  let cycles = 0;
  let cappedCycles = 0;
  let fullest = 0;
  const wrong: string[] = [];
  const entries = f.entries as SplitEntry[];
  for (const e of entries) {
    if (e.kind === 'refill') {
      // The entries at a cycle's start, before its refill: the rollover and the expiry.
      const boundary = entries.filter((x) => x.at === e.at && ['rollover', 'expiry'].includes(x.kind));
      const intoBank = boundary.reduce((sum, x) => sum + moved(x, 'rollover'), 0);
      const lapsed = -boundary.filter((x) => x.kind === 'expiry').reduce((sum, x) => sum + moved(x, 'included'), 0);
      const bankBefore = bank - intoBank;
      const unused = intoBank + lapsed;
      if (unused > 0) {
        cycles++;
        const room = Math.max(0, cap - bankBefore);
        if (intoBank !== Math.min(unused, room)) wrong.push(`${e.at}: ${intoBank} of ${unused} moved, room ${room}`);
        if (lapsed > 0 && intoBank > 0) cappedCycles++;
      }
    }
    bank += moved(e, 'rollover');
    included += moved(e, 'included');
    fullest = Math.max(fullest, bank);
  }
  expect(wrong).toEqual([]);
  expect(fullest).toBe(cap);
  // Several cycles crossed, one of them filling the bank to the cap exactly.
  expect(cycles).toBeGreaterThan(3);
  expect(cappedCycles).toBeGreaterThan(0);
  const errors = await open(page, '/?preset=act3');
  await page.getByTestId('balance-counter').click();
  const panel = page.getByTestId('credits-panel');
  await expect(panel.getByRole('heading', { level: 2 })).toHaveText('Credits Detail');
  const row = (name: string) => panel.locator('.bucket-row', { has: page.locator('dt', { hasText: name }) });
  await expect(row('Monthly Allocation').locator('.bucket-value')).toHaveText(`${included.toLocaleString('en-US')} credits`);
  await expect(row('Rollover Bank').locator('.bucket-value')).toHaveText(`${bank.toLocaleString('en-US')} credits`);
  await expect(row('Rollover Bank')).toContainText(`up to ${cap.toLocaleString('en-US')} credits`);
  await page.keyboard.press('Escape');

  // Generate: the dialog lists the shot, its engine, tier, duration and cost (Standard: 10
  // credits a second, the price list's), and nothing is spent on Cancel.
  await open(page, '/rates?preset=act3');
  const counter = page.getByTestId('balance-counter');
  await expect(counter).toContainText(balance(f, 'credits').toLocaleString('en-US'));
  const before = await counter.innerText();
  const line = page.getByTestId('line-1');
  await line.getByLabel('Line 1 name').fill('Sc. 4 / Shot 2B');
  await line.getByLabel('Feature').selectOption({ label: 'Shot render (Veo 3)' });
  await line.getByLabel('Quality').selectOption({ label: 'Standard' });
  await line.getByLabel(/Quantity/).fill('8');
  await page.getByTestId('generate').click();
  const dialog = page.getByTestId('cost-estimate');
  await expect(dialog).toBeVisible();
  await expect(dialog.locator('tbody tr')).toHaveCount(1);
  // "It lists the shot name, the engine to be used, the quality tier, the shot duration, and
  // the estimated credit cost."
  await expect(dialog.locator('thead th')).toHaveText(['Shot', 'Engine', 'Quality tier', 'Duration', 'Estimated cost']);
  await expect(dialog.locator('tbody tr td, tbody tr th')).toHaveText(['Sc. 4 / Shot 2B', 'Veo 3', 'Standard', '8 seconds', '80 credits']);
  await expect(page.getByTestId('batch-total')).toHaveText('Batch total: 80 credits');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  expect(await counter.innerText()).toBe(before);

  // "Transaction History": "the date, the shot name, the quality tier used, and the credit
  // cost", each shot as the ledger named it.
  await open(page, '/activity?preset=act3&size=50');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Transaction History');
  await expect(page.getByTestId('ledger').locator('thead th')).toHaveText(['Date', 'Shot', 'Quality tier', 'Credits']);
  const ids = await ledgerIds(page);
  const shots = await column(page, 'ledger', 'Shot');
  const byId = new Map(entries.map((e) => [e.id, e]));
  expect(ids).toHaveLength(50);
  const named = ids.filter((id, i) => {
    const shot = byId.get(id)?.usage?.description;
    if (shot) expect(shots[i].trim(), `entry ${id}`).toBe(shot);
    return shot !== undefined;
  });
  expect(named.length).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('fotomaster: its six ledger columns, the service of every row and the balance after it, to the cent', async ({
  page,
}) => {
  const f = fixture('fotomaster');
  const errors = await open(page, '/activity?preset=fotomaster&period=all&size=100');
  await expect(page.getByTestId('ledger')).toBeVisible();
  // The running balance of the dollar meter, summed here entry by entry in ledger order.
  const after = new Map<number, number>();
  let running = 0;
  for (const e of f.entries as Entry[]) {
    if (e.meter !== 'usd') continue;
    running += e.amount;
    after.set(e.id, running);
  }
  // "Every single entry contains six distinct columns": Date, Service, Type, Status,
  // Transaction, Balance.
  await expect(page.getByTestId('ledger').locator('thead th')).toHaveText([
    'Date',
    'Service',
    'Type',
    'Status',
    'Transaction',
    'Balance',
  ]);
  const ids = await ledgerIds(page);
  const balances = await column(page, 'ledger', 'Balance');
  // "Service: the specific engine pipeline deployed (e.g., AI Modify (Nano Banana 2) …)":
  // what each job was, as the ledger recorded it.
  const services = await column(page, 'ledger', 'Service');
  const byId = new Map((f.entries as SplitEntry[]).map((e) => [e.id, e]));
  expect(ids).toHaveLength(100);
  expect(balances).toHaveLength(100);
  for (const [i, id] of ids.entries()) {
    expect(balances[i].trim(), `entry ${id}`).toMatch(/\.\d\d$/);
    expect(minorUnits(balances[i]), `entry ${id}`).toBe(after.get(id));
    const described = byId.get(id)?.usage?.description;
    if (described) expect(services[i].trim(), `entry ${id}`).toBe(described);
  }
  expect(services.filter((s) => /^AI Modify \(/.test(s.trim())).length).toBeGreaterThan(0);

  // A row's details are headed as its columns are.
  await page.locator('[data-testid=ledger] tbody tr').first().getByRole('button').click();
  const drawer = page.getByTestId('entry-drawer');
  await expect(drawer.locator('dt')).toContainText(['Date', 'Service', 'Type', 'Status', 'Transaction', 'Balance']);
  await page.keyboard.press('Escape');

  // "Filter by a specific service or AI feature", "date range" and "status": exactly those,
  // each counting and summing what the ledger holds.
  const filters = page.getByRole('region', { name: 'Filters' }).locator('label.filter > span');
  await expect(filters).toHaveText(['Date range', 'Service', 'Status']);
  await page.locator('select[data-filter=feature]').selectOption({ label: 'SMS' });
  await expect(page).toHaveURL(/[?&]feature=sms(&|$)/);
  const sms = listed(f.entries as SplitEntry[]).filter((e) => e.usage?.feature === 'sms');
  expect(sms.length).toBeGreaterThan(0);
  await expect.poll(() => activitySummary(page)).toEqual(summed(sms));
  await page.locator('select[data-filter=status]').selectOption({ label: 'Failed' });
  const failed = sms.filter((e) => e.status === 'failed');
  expect(failed.length).toBeGreaterThan(0);
  await expect.poll(() => activitySummary(page)).toEqual(summed(failed));
  expect(errors).toEqual([]);
});

test('screenshots: the ngram and VideoGen usage pages and the Foto Master activity page, light and at 360 px', async ({
  browser,
}) => {
  for (const [name, url, ready] of [
    ['ngram-usage', '/?preset=ngram', 'chart-credits'],
    ['videogen-usage', '/?preset=videogen', 'buckets-credits'],
    ['fotomaster-activity', '/activity?preset=fotomaster', 'ledger'],
  ] as const) {
    for (const [size, viewport] of [
      ['light', { width: 1280, height: 900 }],
      ['360', { width: 360, height: 800 }],
    ] as const) {
      const context = await browser.newContext({ colorScheme: 'light', viewport, reducedMotion: 'reduce' });
      const page = await context.newPage();
      await open(page, url);
      await expect(page.getByTestId(ready)).toBeVisible();
      await expectAccessible(page);
      await page.screenshot({ path: screenshot(`${name}-${size}.png`), fullPage: true });
      await context.close();
    }
  }
});
