// Spend controls on the demo store, as an admin and as a member: a batch estimated, held and
// rendered shot by shot (paused and resumed, one shot failing), a pack bought and a declined
// payment, a top-up set and triggered, what a member is told, accessibility and screenshots.
// Prices come from the products' price lists written out here, not from the page.
import { expect, test, type Page } from '@playwright/test';
import {
  DEMO_STORE_ONLY,
  balance,
  screenshot,
  expectAccessible,
  fixture,
  minorUnits,
  open,
  viewAs,
} from './support';

/** ACT3's render prices in credits per second ("roughly doubling" from Draft to 4K). */
const ACT3_RENDER = { draft: 5, standard: 10, high: 20 } as const;

/** The counter's numbers: [available, held] in minor units. */
async function counter(page: Page): Promise<[number, number]> {
  const text = await page.getByTestId('balance-counter').innerText();
  const held = /\(([\d,.]+) held\)/.exec(text);
  return [minorUnits(text.replace(/\(.*\)/, '')), held ? minorUnits(held[1]) : 0];
}

async function setLine(page: Page, n: number, name: string, feature: string, tier: string | null, qty: number) {
  const line = page.getByTestId(`line-${n}`);
  await line.getByLabel(`Line ${n} name`).fill(name);
  await line.getByLabel('Feature').selectOption({ label: feature });
  if (tier) await line.getByLabel('Quality').selectOption({ label: tier });
  await line.getByLabel(/Quantity/).fill(String(qty));
}


test('an admin estimates a batch, confirms it and watches it render shot by shot', DEMO_STORE_ONLY, async ({ page }) => {
  const f = fixture('act3');
  const errors = await open(page, '/rates?preset=act3');
  const before = balance(f, 'credits');
  // The history may end with jobs in flight: what they hold stays held throughout.
  await expect(page.getByTestId('balance-counter')).toContainText(before.toLocaleString('en-US'));
  const [, heldBefore] = await counter(page);

  const shots: [string, string, keyof typeof ACT3_RENDER, number][] = [
    ['Opening crane', 'Shot render (Veo 3)', 'standard', 8],
    ['Close-up', 'Shot render (Veo 3)', 'high', 6],
    ['Alley wide', 'Shot render (Kling 2.1)', 'draft', 12],
  ];
  const costs = shots.map(([, , tier, s]) => ACT3_RENDER[tier] * s);
  const total = costs.reduce((a, b) => a + b, 0);
  for (const [i, [name, feature, tier, seconds]] of shots.entries()) {
    if (i > 0) await page.getByRole('button', { name: 'Add a line' }).click();
    await setLine(page, i + 1, name, feature, tier[0].toUpperCase() + tier.slice(1), seconds);
  }
  const result = page.getByTestId('estimate-result');
  await expect(result).toContainText(`Total ${total.toLocaleString('en-US')} credits`);
  await expect(result).toContainText(`${(before - total).toLocaleString('en-US')} credits after`);
  // ≈ how many more batches like this one the balance after it pays for.
  await expect(result).toContainText(`≈ ${Math.floor((before - total) / total).toLocaleString('en-US')} more like this`);

  // The demo's render farm: the first shot to render will fail.
  await page.getByText('Demo actions').click();
  await page.getByRole('button', { name: 'Next shot fails' }).click();
  await page.getByText('Demo actions').click();

  await page.getByTestId('generate').click();
  const dialog = page.getByTestId('cost-estimate');
  await expect(dialog).toBeVisible();
  const rows = dialog.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  for (const [i, [name]] of shots.entries()) {
    await expect(rows.nth(i)).toContainText(name);
    await expect(rows.nth(i)).toContainText(`${costs[i]} credits`);
  }
  await expect(page.getByTestId('batch-total')).toHaveText(`Batch total: ${total} credits`);
  // Nothing is spent before Confirm.
  expect(await counter(page)).toEqual([before, heldBefore]);

  await page.getByTestId('confirm-batch').click();
  await expect(dialog).toBeHidden();
  // Confirm holds the whole batch at once: it leaves the available balance and is held.
  await expect.poll(() => counter(page)).toEqual([before - total, heldBefore + total]);
  const queue = page.getByTestId('render-queue');
  await expect(queue).toBeVisible();
  // The first shot fails: its hold is released and nothing is charged for it.
  await expect(queue).toContainText('1 of 3 shots done');
  await expect.poll(() => counter(page)).toEqual([before - total + costs[0], heldBefore + costs[1] + costs[2]]);
  // Pause while the second renders: it finishes, the third waits.
  await page.getByTestId('batch-pause').click();
  await expect(queue).toContainText('Batch paused: 2 of 3 shots done');
  await expect.poll(() => counter(page)).toEqual([before - total + costs[0], heldBefore + costs[2]]);
  await page.waitForTimeout(2500);
  expect(await counter(page)).toEqual([before - total + costs[0], heldBefore + costs[2]]);
  await expect(queue).toContainText('Batch paused: 2 of 3 shots done');
  // The Credits Detail panel follows the batch too: the balance after two shots, what the
  // third still holds beside it, and each shot once in its Transaction History (the failed
  // one at nothing, the done one at its cost, the waiting one at what it holds).
  await page.getByTestId('balance-counter').click();
  const panel = page.getByTestId('credits-panel');
  await expect(panel.getByTestId('panel-available-credits')).toHaveText(
    `${(before - total + costs[0]).toLocaleString('en-US')} credits`,
  );
  await expect(panel).toContainText(`${(heldBefore + costs[2]).toLocaleString('en-US')} credits`);
  const history = panel.getByTestId('panel-history');
  for (const [i, [name]] of shots.entries()) {
    const row = history.locator('tbody tr', { hasText: name });
    await expect(row).toHaveCount(1);
    await expect(row.locator('td.num')).toHaveText(i === 0 ? '0' : `-${costs[i]}`);
  }
  await page.keyboard.press('Escape');
  await page.getByTestId('batch-pause').click();
  await expect(queue).toContainText('Batch finished: 3 of 3 shots done');
  // Charged: the two shots that rendered.
  await expect.poll(() => counter(page)).toEqual([before - costs[1] - costs[2], heldBefore]);

  // The ledger shows each captured shot by name, and the failed one as released.
  await page.getByRole('link', { name: 'Activity' }).click();
  const ledger = page.getByTestId('ledger');
  await expect(ledger).toContainText('Close-up');
  await expect(ledger).toContainText('Alley wide');
  await expect(ledger).toContainText('Opening crane');
  expect(errors).toEqual([]);
});

test('an admin buys a pack; a declined payment adds nothing and says why', DEMO_STORE_ONLY, async ({ page }) => {
  const f = fixture('videogen');
  await open(page, '/billing?preset=videogen');
  const start = balance(f, 'credits');
  await expect(page.getByTestId('balance-counter')).toContainText(start.toLocaleString('en-US'));
  const buy = page.getByTestId('buy-credits');
  await buy.getByLabel(/5,000 Standard/).check();
  await buy.getByRole('button', { name: 'Review purchase' }).click();
  await expect(buy).toContainText('Buy 5,000 credits for €45.00? They go into your additional credits.');
  await page.getByTestId('confirm-purchase').click();
  await expect(page.getByTestId('buy-outcome')).toHaveText('Bought 5,000 credits for €45.00. They are in your balance now.');
  await expect.poll(async () => (await counter(page))[0]).toBe(start + 5000);

  await page.getByText('Demo actions').click();
  await page.getByRole('button', { name: 'Decline payments' }).click();
  await expect(page.getByTestId('demo-bar')).toContainText('Payments will be declined.');
  await buy.getByLabel(/2,000 Mini/).check();
  await buy.getByRole('button', { name: 'Review purchase' }).click();
  await page.getByTestId('confirm-purchase').click();
  await expect(page.getByTestId('buy-outcome')).toContainText('The payment was declined');
  await expect(page.getByTestId('buy-outcome')).toContainText('Nothing was charged or added.');
  expect((await counter(page))[0]).toBe(start + 5000);
});

test('an admin sets a top-up and a job that crosses the threshold triggers it', async ({ page }) => {
  const f = fixture('videogen');
  await open(page, '/billing?preset=videogen');
  const start = balance(f, 'credits');
  await expect(page.getByTestId('balance-counter')).toContainText(start.toLocaleString('en-US'));
  const topUps = page.getByTestId('top-ups-credits');
  const threshold = start - 50;
  await topUps.getByTestId('top-up-threshold').fill(String(threshold));
  await topUps.getByTestId('top-up-mode').selectOption('fixed');
  await topUps.getByTestId('top-up-amount').fill('5000');
  await topUps.getByTestId('top-up-cap').fill('');
  await expect(topUps.getByTestId('top-up-enabled')).toBeChecked();
  await expect(topUps.getByTestId('top-up-simulation')).toContainText('Top-ups');
  await topUps.getByRole('button', { name: 'Save top-ups' }).click();
  await expect(page.getByTestId('top-up-outcome')).toHaveText('Automatic top-ups are on.');
  // A bad value is named and changes nothing.
  await topUps.getByTestId('top-up-amount').fill('lots');
  await expect(topUps).toContainText('“lots” is not a whole number.');

  // 60 seconds of 1080p export at 1 credit a second takes the balance 10 below the threshold.
  await page.getByRole('link', { name: 'Rate card' }).click();
  await setLine(page, 1, 'Teaser export', 'Video export (1080p)', null, 60);
  await expect(page.getByTestId('estimate-result')).toContainText('Total 60 credits');
  await page.getByTestId('generate').click();
  await page.getByTestId('confirm-batch').click();
  await expect(page.getByTestId('render-queue')).toContainText('Batch finished: 1 of 1 shots done');
  await expect.poll(async () => (await counter(page))[0]).toBe(start - 60 + 5000);
  await page.getByRole('link', { name: 'Activity' }).click();
  // The top-up fired with the hold that crossed the threshold; its balance after is ours.
  const topUp = page
    .getByTestId('ledger')
    .locator('tbody tr', { hasText: 'Auto top-up' })
    .filter({ hasText: (start - 60 + 5000).toLocaleString('en-US') });
  await expect(topUp).toHaveCount(1);
  await expect(topUp).toContainText('5,000');
});

test('Foto Master buys an exact dollar amount; bad amounts are named and add nothing', async ({ page }) => {
  const f = fixture('fotomaster');
  await open(page, '/billing?preset=fotomaster');
  const start = balance(f, 'usd');
  const money = (cents: number) => `$${(cents / 100).toLocaleString('en-US', { minimumFractionDigits: 2 })}`;
  await expect(page.getByTestId('balance-counter')).toContainText(money(start));
  const buy = page.getByTestId('buy-usd');
  for (const [typed, says] of [
    ['abc', '“abc” is not an amount with at most 2 decimals.'],
    ['5', 'Buy between $10.00 and $2,000.00.'],
    ['12.345', '“12.345” is not an amount with at most 2 decimals.'],
  ]) {
    await buy.getByTestId('buy-amount').fill(typed);
    await buy.getByRole('button', { name: 'Review purchase' }).click();
    await expect(buy.getByRole('alert')).toHaveText(says);
    await expect(page.getByTestId('confirm-purchase')).toHaveCount(0);
  }
  await buy.getByTestId('buy-amount').fill('25.50');
  await buy.getByRole('button', { name: 'Review purchase' }).click();
  await expect(buy).toContainText('Add $25.50 to your balance?');
  await page.getByTestId('confirm-purchase').click();
  await expect(page.getByTestId('buy-outcome')).toHaveText('Added $25.50 to your balance.');
  await expect(page.getByTestId('balance-counter')).toContainText(money(start + 2550));
});

test('an alert level the balance crosses fires once: a banner and a notification', async ({ page }) => {
  const f = fixture('videogen');
  await open(page, '/billing?preset=videogen');
  const start = balance(f, 'credits');
  await expect(page.getByTestId('balance-counter')).toContainText(start.toLocaleString('en-US'));
  const alerts = page.getByTestId('alerts-credits');
  const level = start - 50;
  await alerts.getByTestId('alert-levels').fill(`${level}`);
  await alerts.getByRole('button', { name: 'Save alerts' }).click();
  await expect(alerts).toContainText('Alerts saved.');
  await expect(page.getByTestId('alert-banner')).toHaveCount(0);
  await page.getByRole('link', { name: 'Rate card' }).click();
  await setLine(page, 1, 'Cutdown', 'Video export (1080p)', null, 60);
  await page.getByTestId('generate').click();
  await page.getByTestId('confirm-batch').click();
  const banner = page.getByTestId('alert-banner');
  const want = `Credits fell below ${level.toLocaleString('en-US')} credits: ${(start - 60).toLocaleString('en-US')} credits left.`;
  // The banner says when it fired and the balance now.
  await expect(banner).toContainText(`Credits fell below ${level.toLocaleString('en-US')} credits on `);
  await expect(banner).toContainText(`. ${(start - 60).toLocaleString('en-US')} credits left now.`);
  await page.getByRole('link', { name: 'Billing' }).click();
  await expect(page.getByTestId('notifications').locator('li').first()).toContainText(want);
  // Further use below the level is no new crossing.
  await expect(page.getByTestId('notifications').locator('li', { hasText: level.toLocaleString('en-US') })).toHaveCount(1);
});

test('a member sees everything read-only and is told whom to ask', async ({ page }) => {
  const f = fixture('videogen');
  const errors = await open(page, '/billing?preset=videogen');
  await viewAs(page, /Jonas Weber/);
  const notes = page.getByTestId('admin-only');
  await expect(notes.first()).toBeVisible();
  await expect(page.getByTestId('buy-credits')).toContainText('Only team admins can buy credits — contact Anton Koenig.');
  await expect(page.getByTestId('top-ups-credits')).toContainText(
    'Only team admins can change automatic top-ups — contact Anton Koenig.',
  );
  await expect(page.getByRole('button', { name: 'Review purchase' })).toBeDisabled();
  await expect(page.getByRole('button', { name: 'Save top-ups' })).toBeDisabled();
  await page.getByRole('link', { name: 'Team' }).click();
  // The Team page's code loads on this first visit; Billing stays until it has.
  await expect(page.getByRole('heading', { level: 1, name: 'Team' })).toBeVisible();
  await expect(page.getByTestId('admin-only')).toContainText('Only team admins can set member caps — contact Anton Koenig.');
  await expect(page.getByLabel(/Monthly cap for/)).toHaveCount(0);
  // Every member is listed with a share of the period's usage.
  for (const name of ['Anton Koenig', 'Jonas Weber', 'Mira Novak']) {
    await expect(page.getByTestId('team-credits')).toContainText(name);
  }
  expect(balance(f, 'credits')).toBeGreaterThan(0);
  expect(errors).toEqual([]);
});

test('an admin caps a member: the row says so, keeps the focus, and the cap stays', async ({ page }) => {
  const errors = await open(page, '/team?preset=videogen');
  const field = page.getByLabel('Monthly cap for Jonas Weber');
  const row = page.getByTestId('member-m_jonas');
  // A cap below what Jonas already used this month would stop him at once: refused, with
  // what to do instead.
  await field.fill('1');
  await field.press('Enter');
  const refusal = row.getByRole('status');
  await expect(refusal).toContainText('Jonas Weber has already used ');
  await expect(refusal).toContainText('or 0 to stop their use until the month ends');
  const used = minorUnits((await refusal.innerText()).split('used ')[1].split(' this month')[0]);
  const cap = String(used + 500);
  await field.fill(cap);
  await field.press('Enter');
  // Saving refreshes the table; the message and the keyboard focus survive it.
  await expect(row.getByRole('status')).toHaveText('Saved.');
  await expect(row.getByLabel('Monthly cap for Jonas Weber')).toBeFocused();
  await expect(row.getByLabel('Monthly cap for Jonas Weber')).toHaveValue(cap);
  await page.reload();
  await expect(page.getByLabel('Monthly cap for Jonas Weber')).toHaveValue(cap);
  // 0 stops him, and the row says so.
  await page.getByLabel('Monthly cap for Jonas Weber').fill('0');
  await page.getByLabel('Monthly cap for Jonas Weber').press('Enter');
  await expect(page.getByTestId('member-m_jonas').getByRole('status')).toHaveText(
    'Saved: Jonas Weber cannot use Credits until the month ends.',
  );
  await page.reload();
  await expect(page.getByLabel('Monthly cap for Jonas Weber')).toHaveValue('0');
  await page.getByLabel('Monthly cap for Jonas Weber').fill('');
  await page.getByLabel('Monthly cap for Jonas Weber').press('Enter');
  await expect(page.getByTestId('member-m_jonas').getByRole('status')).toHaveText('No cap.');
  await expect(page.getByLabel('Monthly cap for Jonas Weber')).toBeFocused();
  await page.reload();
  await expect(page.getByLabel('Monthly cap for Jonas Weber')).toHaveValue('');
  // An admin setting several caps: what they typed in one row stays while another row's save
  // fetches the table again (as news of others' usage does).
  await page.getByLabel('Monthly cap for Jonas Weber').fill('9999');
  const sofia = page.getByLabel('Monthly cap for Sofia Rossi');
  await sofia.fill('20,000');
  await sofia.press('Enter');
  await expect(page.locator('tr', { has: sofia }).getByRole('status')).toHaveText('Saved.');
  // The saved cap as the table fetched again has it: the new answer has arrived.
  await expect(sofia).toHaveValue('20000');
  await expect(page.getByLabel('Monthly cap for Jonas Weber')).toHaveValue('9999');
  await expect(sofia).toBeFocused();
  // The server answered the refused cap with a 422, which the browser logs.
  expect(errors.filter((e) => !e.includes('422'))).toEqual([]);
});

test('the rate card, billing and team pages are accessible; screenshots for review', async ({ page }) => {
  for (const [preset, route, name] of [
    ['videogen', '/rates', 'rates-videogen'],
    ['act3', '/rates', 'rates-act3'],
    ['videogen', '/billing', 'billing-videogen'],
    ['fotomaster', '/billing', 'billing-fotomaster'],
    ['videogen', '/team', 'team-videogen'],
  ] as const) {
    await open(page, `${route}?preset=${preset}`);
    await expect(page.locator('h1')).toBeVisible();
    await expect(page.getByTestId('balance-counter')).not.toHaveText('…');
    await expectAccessible(page);
    for (const [scheme, width] of [['light', 1280], ['dark', 1280], ['light', 360]] as const) {
      await page.emulateMedia({ colorScheme: scheme });
      await page.setViewportSize({ width, height: 900 });
      await page.screenshot({ path: screenshot(`${name}-${scheme}-${width}.png`), fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.emulateMedia({ colorScheme: 'light' });
  }
});
