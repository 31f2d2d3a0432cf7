// What makes each product itself, as its help page describes it (on the demo store and on the
// server). The expected names and numbers are written out from the help pages or computed
// here from the seeded ledger, never read from the page.
import { expect, test, type Page } from '@playwright/test';
import { balance, fixture, minorUnits, open, type Entry } from './support';

/** The table's cells in the column headed `header`, top to bottom. */
async function column(page: Page, testid: string, header: string): Promise<string[]> {
  const table = page.getByTestId(testid);
  const headers = await table.locator('thead th').allInnerTexts();
  const at = headers.findIndex((h) => h.trim().toLowerCase() === header.toLowerCase());
  expect(at, `a “${header}” column in ${headers.join(', ')}`).toBeGreaterThanOrEqual(0);
  return table.locator(`tbody tr > :nth-child(${at + 1})`).allInnerTexts();
}

/** The ledger rows' entry ids, top to bottom. */
async function rowIds(page: Page): Promise<number[]> {
  return (await page.locator('[data-testid=ledger] tbody tr').evaluateAll((rows) =>
    rows.map((r) => Number((r as HTMLElement).dataset.entry)),
  )) as number[];
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
  const ids = await rowIds(page);
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

test('fotomaster: the balance after every ledger row, to the cent', async ({ page }) => {
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
  const ids = await rowIds(page);
  const balances = await column(page, 'ledger', 'Balance after');
  expect(ids).toHaveLength(100);
  expect(balances).toHaveLength(100);
  for (const [i, id] of ids.entries()) {
    expect(balances[i].trim(), `entry ${id}`).toMatch(/\.\d\d$/);
    expect(minorUnits(balances[i]), `entry ${id}`).toBe(after.get(id));
  }
  expect(errors).toEqual([]);
});
