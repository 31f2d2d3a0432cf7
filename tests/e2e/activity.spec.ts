// The Activity page (route `/activity`) and a project page on the demo store: each filter's
// count and sum against an independent scan of the seeded ledger, paging to the end and
// back, the CSV export row by row, a refunded failed job, keyboard use, bad links,
// accessibility, and screenshots for review.
import { expect, test, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import {
  screenshot,
  activitySummary,
  expectAccessible,
  fixture,
  ledgerIds,
  listed,
  localDate,
  minorUnits,
  open,
  periodDays,
  rangeLabel,
  rowsOf,
  summed,
  type Entry,
  type Fixture,
  type Listed,
} from './support';

interface Usage {
  feature?: string;
  category?: string;
  engine?: string;
  tier?: string;
  member?: string;
  project?: string;
  description?: string;
}
type FullEntry = Listed<Entry & { usage?: Usage; split?: { amount: number; kind: string }[] }>;

/** Entries on the local days of the last 30 days (the page's default range), newest first,
 *  as the listing sees them (see `listed`). */
function last30(f: Fixture): FullEntry[] {
  return inPeriod(f, 'last_30_days');
}

function all(f: Fixture): FullEntry[] {
  return listed(f.entries as FullEntry['own'][]) as FullEntry[];
}

function inPeriod(f: Fixture, period: Parameters<typeof periodDays>[1]): FullEntry[] {
  const [first, last] = periodDays(f, period)!;
  return all(f)
    .filter((e) => {
      const d = localDate(e.at, f.account.timezone);
      return d >= first && d <= last;
    })
    .reverse();
}

/** The summary counts the rows among `want` and sums what they used and added. */
async function expectSummary(page: Page, want: FullEntry[], what: string) {
  await expect.poll(() => activitySummary(page), { message: what }).toEqual(summed(want));
}

test('each filter counts and sums what the seeded ledger holds, and changes the URL', async ({ page }) => {
  const f = fixture('videogen');
  const base = last30(f);
  const errors = await open(page, '/activity?preset=videogen');
  await expectSummary(page, base, 'no filter');
  // A value of each attribute that occurs in the period.
  const pick = (k: keyof Usage) => base.find((e) => e.usage?.[k])!.usage![k]!;
  const cases: [string, string, (e: FullEntry) => boolean][] = [
    ['type', 'consume', (e) => e.kind === 'consume'],
    ['status', 'failed', (e) => e.status === 'failed'],
    ['category', pick('category'), (e) => e.usage?.category === pick('category')],
    ['member', pick('member'), (e) => e.usage?.member === pick('member')],
    ['project', pick('project'), (e) => e.usage?.project === pick('project')],
  ];
  const engine = base.find((e) => e.usage?.engine)?.usage?.engine;
  if (engine) cases.push(['engine', engine, (e) => e.usage?.engine === engine]);
  for (const [key, value, keep] of cases) {
    await page.locator(`select[data-filter=${key}]`).selectOption(value);
    await expect(page).toHaveURL(new RegExp(`${key}=${encodeURIComponent(value)}`));
    await expectSummary(page, base.filter(keep), `${key}=${value}`);
    // The first page is the newest matching rows.
    expect(await ledgerIds(page)).toEqual(rowsOf(base.filter(keep)).slice(0, 25).map((e) => e.id));
    await page.locator(`select[data-filter=${key}]`).selectOption('');
  }
  // Filters combine.
  await page.locator('select[data-filter=member]').selectOption(pick('member'));
  await page.locator('select[data-filter=type]').selectOption('consume');
  await expectSummary(
    page,
    base.filter((e) => e.kind === 'consume' && e.usage?.member === pick('member')),
    'member and type',
  );
  await page.getByRole('button', { name: 'Clear filters' }).click();
  // The search ignores case and looks at descriptions.
  const word = base.find((e) => e.usage?.description)!.usage!.description!.split(' ')[0];
  await page.getByRole('searchbox').fill(word.toUpperCase());
  await page.getByRole('button', { name: 'Search' }).click();
  const lower = word.toLowerCase();
  await expectSummary(
    page,
    base.filter((e) =>
      [e.usage?.description, e.usage?.feature, e.usage?.engine].some((t) => t?.toLowerCase().includes(lower)),
    ),
    `search ${word}`,
  );
  await page.getByRole('button', { name: 'Clear filters' }).click();
  // Time ranges: 7 days and 1 day (VideoGen offers 1, 7 and 30 days; the whole history is
  // Foto Master's CSV test below).
  await page.locator('select[data-filter=period]').selectOption('last_7_days');
  await expect(page).toHaveURL(/period=last_7_days/);
  const [d0, d1] = periodDays(f, 'last_7_days')!;
  await expectSummary(
    page,
    base.filter((e) => {
      const d = localDate(e.at, f.account.timezone);
      return d >= d0 && d <= d1;
    }),
    '7 days',
  );
  await page.locator('select[data-filter=period]').selectOption('last_1_day');
  await expect(page).toHaveURL(/period=last_1_day/);
  // "1 day" is the last 24 hours, not the calendar day so far.
  const dayAgo = new Date(new Date(f.now).getTime() - 24 * 3600 * 1000);
  await expectSummary(
    page,
    all(f)
      .filter((e) => new Date(e.at) >= dayAgo)
      .reverse(),
    'last 24 hours',
  );
  expect(errors).toEqual([]);
});

test('paging to the end and back shows every entry once, in order', async ({ page }) => {
  const f = fixture('fotomaster');
  const matching = inPeriod(f, 'last_180_days').filter((e) => e.status === 'failed');
  const want = rowsOf(matching);
  await open(page, '/activity?preset=fotomaster&status=failed&period=last_180_days&size=25');
  await expectSummary(page, matching, 'failed jobs in 180 days');
  const pages = Math.ceil(want.length / 25);
  expect(pages).toBeGreaterThan(1);
  const seen: number[] = [];
  for (let p = 1; p <= pages; p++) {
    await expect(page.getByTestId('pager')).toContainText(`Page ${p} of ${pages}`);
    seen.push(...(await ledgerIds(page)));
    if (p < pages) await page.getByRole('link', { name: 'Next' }).click();
    if (p < pages) await expect(page.getByTestId('pager')).toContainText(`Page ${p + 1} of ${pages}`);
  }
  expect(seen).toEqual(want.map((e) => e.id));
  // On the last page "Next" leads nowhere.
  await expect(page.locator('[data-testid=pager] a[rel=next]')).toHaveAttribute('aria-disabled', 'true');
  await expect(page.locator('[data-testid=pager] a[rel=next]')).not.toHaveAttribute('href', /.*/);
  for (let p = pages; p > 1; p--) {
    await page.getByRole('link', { name: 'Previous' }).click();
    await expect(page.getByTestId('pager')).toContainText(`Page ${p - 1} of ${pages}`);
  }
  await expect(page).not.toHaveURL(/page=/);
  expect(await ledgerIds(page)).toEqual(want.slice(0, 25).map((e) => e.id));
  // Page numbers jump, and the page size is in the URL.
  await page.getByRole('link', { name: `Page ${pages}`, exact: true }).click();
  await expect(page.getByTestId('pager')).toContainText(`Page ${pages} of ${pages}`);
  expect(await ledgerIds(page)).toEqual(want.slice((pages - 1) * 25).map((e) => e.id));
  await page.locator('#cb-page-size').selectOption('100');
  await expect(page).toHaveURL(/size=100/);
  await expect(page).not.toHaveURL(/page=/);
});

/** Splits one CSV line (RFC 4180). */
function csvFields(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '"' && quoted && line[i + 1] === '"') {
      cur += '"';
      i++;
    } else if (c === '"') quoted = !quoted;
    else if (c === ',' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

test('the CSV download is the whole filtered ledger, row by row', async ({ page }) => {
  const f = fixture('fotomaster');
  const everything = [...all(f)].reverse();
  const rows = rowsOf(everything);
  // What each row comes to now: its job's entries, summed here.
  const jobAmount = new Map<number, number>();
  for (const e of everything) jobAmount.set(e.root, (jobAmount.get(e.root) ?? 0) + e.own.amount);
  await open(page, '/activity?preset=fotomaster&period=all');
  await expectSummary(page, everything, 'all history');
  const download = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const file = await (await download).path();
  const lines = fs.readFileSync(file!, 'utf8').split('\r\n').filter((l) => l.length > 0);
  const header = csvFields(lines[0]);
  const col = (name: string) => header.indexOf(name);
  expect(lines.length - 1).toBe(rows.length);
  const cents = (s: string) => Math.round(Number(s) * 100);
  // Compared in plain code and reported once: an assertion per cell would be 50,000 steps.
  const mismatches: string[] = [];
  lines.slice(1).forEach((line, i) => {
    const row = csvFields(line);
    const e = rows[i];
    const got = {
      id: Number(row[col('id')]),
      at: new Date(row[col('time')]).toISOString().replace('.000', ''),
      offset: /[+-]1[01]:00$/.test(row[col('time')]),
      amount: cents(row[col('amount')]),
      balance_after: cents(row[col('balance_after')]),
      kind: row[col('type')],
      status: row[col('status')],
    };
    // The offset written is the account's (Sydney: +10:00 or +11:00).
    const want = {
      id: e.id,
      at: e.at,
      offset: true,
      amount: jobAmount.get(e.id),
      balance_after: e.balance_after,
      kind: e.kind,
      status: e.status,
    };
    if (JSON.stringify(got) !== JSON.stringify(want)) mismatches.push(`line ${i + 2}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
  });
  expect({ count: mismatches.length, first: mismatches.slice(0, 5) }).toEqual({ count: 0, first: [] });
});

test('a refunded failed job says it cost nothing, and its drawer shows every attribute', async ({ page }) => {
  const f = fixture('videogen');
  const failed = rowsOf(last30(f)).find((e) => e.kind === 'consume' && e.status === 'failed')!;
  await open(page, '/activity?preset=videogen&status=failed&type=consume');
  const row = page.locator(`tr[data-entry="${failed.id}"]`);
  await expect(row).toContainText('Failed');
  await expect(row).toContainText('Refunded — you were not charged');
  // One row for the job and its refund: it comes to nothing.
  await expect(row.locator('td.num').first()).toHaveText('0');
  await row.getByRole('button').click();
  const drawer = page.getByTestId('entry-drawer');
  await expect(drawer).toBeVisible();
  await expect(drawer).toContainText(`#${failed.id}`);
  await expect(drawer).toContainText('Refunded — you were not charged');
  // The split across buckets, in words.
  const parts = failed.split!.map((s) => `${Math.abs(s.amount).toLocaleString('en-US')} from`);
  for (const p of parts) await expect(drawer).toContainText(p);
  await page.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(row.getByRole('button')).toBeFocused();
});

test('the filters, the table and the drawer work from the keyboard alone', async ({ page }) => {
  await open(page, '/activity?preset=videogen');
  await expect(page.getByTestId('ledger')).toBeVisible();
  const period = page.locator('select[data-filter=period]');
  await period.focus();
  // From the last 30 days, one range up: the last 7 days.
  await page.keyboard.press('ArrowUp');
  await expect(page).toHaveURL(/period=last_7_days/);
  await page.locator('select[data-filter=type]').focus();
  await page.keyboard.press('ArrowDown');
  await expect(page).toHaveURL(/type=/);
  await page.getByRole('button', { name: 'Clear filters' }).focus();
  await page.keyboard.press('Enter');
  await expect(page).not.toHaveURL(/type=/);
  // Tab from the search box reaches the table's first row; Enter opens it, Escape closes it.
  await page.getByRole('searchbox').focus();
  let reached = false;
  for (let i = 0; i < 12 && !reached; i++) {
    await page.keyboard.press('Tab');
    reached = await page.evaluate(() => !!document.activeElement?.closest('[data-testid=ledger] tbody'));
  }
  expect(reached).toBe(true);
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('entry-drawer')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Close the entry details' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('entry-drawer')).toBeHidden();
});

test('a bad filter in the URL is named, and the rest of the page works', async ({ page }) => {
  const f = fixture('videogen');
  await open(page, '/activity?preset=videogen&type=teleport&size=7&status=failed');
  const problem = page.getByTestId('query-problem');
  await expect(problem).toContainText('type=teleport');
  await expect(problem).toContainText('“7” is not a page size');
  await expectSummary(page, last30(f).filter((e) => e.status === 'failed'), 'status kept');
});

test('a filter value the account never had is named and dropped; a page past the end shows the last', async ({
  page,
}) => {
  const f = fixture('videogen');
  await open(page, '/activity?preset=videogen&member=nobody&category=bogus&status=failed');
  const problem = page.getByTestId('query-problem');
  await expect(problem).toContainText('The filter “member=nobody” does not work: there is no member “nobody” here.');
  await expect(problem).toContainText('there is no category “bogus” here');
  await expect(page.locator('select[data-filter=member]')).toHaveValue('');
  await expectSummary(page, last30(f).filter((e) => e.status === 'failed'), 'the good filter stays');
  // An old link to page 999: the last page, and a word on why.
  const rows = rowsOf(last30(f));
  const pages = Math.ceil(rows.length / 25);
  await open(page, '/activity?preset=videogen&page=999');
  await expect(page.getByTestId('page-problem')).toHaveText(
    `There is no page 999: this list has ${pages} pages. Showing the last.`,
  );
  await expect(page.getByTestId('pager')).toContainText(`Page ${pages} of ${pages}`);
  expect(await ledgerIds(page)).toEqual(rows.slice((pages - 1) * 25).map((e) => e.id));
});

test('an event’s page: Credits used by engine, AI Activities over the Event period, This year, This month or Select Dates, and its Event activities', async ({
  page,
}) => {
  const f = fixture('fotomaster');
  const tz = f.account.timezone;
  const byProject = new Map<string, FullEntry[]>();
  for (const e of all(f)) {
    const p = e.usage?.project;
    if (p) byProject.set(p, [...(byProject.get(p) ?? []), e]);
  }
  // The event that ended first: its period is neither this year nor this month.
  const [project, entries] = [...byProject].sort((a, b) => a[1].at(-1)!.at.localeCompare(b[1].at(-1)!.at))[0];
  const [first, last] = [localDate(entries[0].at, tz), localDate(entries.at(-1)!.at, tz)];
  const [today] = periodDays(f, 'this_month')!.slice(1);
  expect(last < today, 'the demo has an event that is over').toBe(true);
  await open(page, `/activity/projects/${project}?preset=fotomaster`);
  const chips = page.getByTestId('period-selector');
  await expect(chips.locator('.chip')).toHaveText(['Event period', 'This year', 'This month', 'Select Dates']);
  await expect(chips.locator('[aria-current=true]')).toHaveText('Event period');
  // Its whole life: what it used, over its own days, and every one of its rows.
  const card = page.getByTestId('project-usd');
  await expect.poll(async () => minorUnits(await card.getByTestId('project-used').innerText())).toBe(summed(entries)[1]);
  await expect(card).toContainText(rangeLabel(first, last));
  await expect(card.getByRole('heading', { name: 'AI Activities' })).toBeVisible();
  await expect(card.getByTestId('project-engines')).toBeVisible();
  await expect(card.locator('.frequency-chart[data-rendered], .chart-frame [data-rendered]').first()).toBeAttached();
  await expect(page.getByRole('heading', { name: 'Event activities' })).toBeVisible();
  await expectSummary(page, [...entries].reverse(), 'the event’s whole life');
  // This year: the same event, this year's days, on the chart and in the ledger.
  await chips.getByText('This year').click();
  await expect(page).toHaveURL(/period=this_year/);
  const [y0, y1] = periodDays(f, 'this_year')!;
  const thisYear = entries.filter((e) => {
    const d = localDate(e.at, tz);
    return d >= y0 && d <= y1;
  });
  await expect.poll(async () => minorUnits(await card.getByTestId('project-used').innerText())).toBe(summed(thisYear)[1]);
  await expectSummary(page, thisYear.reverse(), 'this year');
  // Its filters, search and export are on the Activity page, for the same event and days.
  await page.getByTestId('project-in-activity').click();
  await expect(page).toHaveURL(new RegExp(`/activity\\?.*project=${project}.*period=this_year`));
  await expectSummary(page, [...thisYear], 'the same rows on the Activity page');
  // A period the page does not offer is said, and the Event period shown.
  await open(page, `/activity/projects/${project}?preset=fotomaster&period=last_90_days`);
  await expect(page.getByTestId('query-problem')).toContainText('“Last 90 days” is not one of the periods offered here');
  await expect(chips.locator('[aria-current=true]')).toHaveText('Event period');
  await expectAccessible(page);
});

test('no serious accessibility violation on /activity; screenshots in light, dark and at 360 px', async ({
  browser,
}) => {
  for (const [name, options] of [
    ['activity-light', { colorScheme: 'light' as const, viewport: { width: 1280, height: 900 } }],
    ['activity-dark', { colorScheme: 'dark' as const, viewport: { width: 1280, height: 900 } }],
    ['activity-360', { colorScheme: 'light' as const, viewport: { width: 360, height: 800 } }],
  ] as const) {
    const context = await browser.newContext({ ...options, reducedMotion: 'reduce' });
    const page = await context.newPage();
    await open(page, '/activity?preset=act3');
    await expect(page.getByTestId('ledger')).toBeVisible();
    await expectAccessible(page);
    await page.screenshot({ path: screenshot(`${name}.png`), fullPage: true });
    if (name === 'activity-light') {
      await page.locator('[data-testid=ledger] tbody tr').first().getByRole('button').click();
      await expect(page.getByTestId('entry-drawer')).toBeVisible();
      await expectAccessible(page);
      await page.screenshot({ path: screenshot('activity-drawer.png') });
    }
    await context.close();
  }
});
