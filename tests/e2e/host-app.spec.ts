// The sample host (examples/host/): Lumen, a product that adopts Creditboard on a server of
// its own (not the demo, the real clock). It provisioned its account "studio" at start, signs
// its users in, embeds the dashboard under Settings › Credits with a member session, is the
// server's payment endpoint (a test processor that declines 4.02) and receives its webhooks.
// The tests share that one account, so they run in order.
import { expect, test, type FrameLocator, type Page } from '@playwright/test';
import { expectAccessible, minorUnits, screenshot } from './support';

const FRAME = 'iframe[name="creditboard-embed"]';

test.describe.configure({ mode: 'default' });

/** Console errors and uncaught exceptions of the host page and the dashboard's frame, but
 *  for answers with the `expected` statuses (a refusal the test asks for). */
function watchErrors(page: Page, expected: number[] = []): string[] {
  const errors: string[] = [];
  const refusal = /^Failed to load resource: the server responded with a status of (\d+)/;
  page.on('console', (m) => {
    const status = refusal.exec(m.text())?.[1];
    if (m.type() === 'error' && !expected.includes(Number(status))) errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

async function signIn(page: Page, button: string, who: string) {
  await page.goto('/');
  await expect(page.getByRole('heading', { level: 1, name: 'Sign in' })).toBeVisible();
  await page.getByRole('button', { name: button }).click();
  await expect(page.getByTestId('signed-in-as')).toHaveText(who);
  await expect(page.getByRole('heading', { level: 1, name: 'Jobs' })).toBeVisible();
}

/** Settings › Credits through the host's own navigation; the dashboard in its frame. */
async function openCredits(page: Page): Promise<FrameLocator> {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Credits' }).click();
  await expect(page.getByRole('navigation', { name: 'Breadcrumb' })).toHaveText(/Settings\s*›?\s*Credits/);
  await expect(page.getByRole('heading', { level: 1, name: 'Credits' })).toBeVisible();
  const frame = page.frameLocator(FRAME);
  await expect(frame.getByTestId('account-name')).toHaveText('Northwind Studio');
  return frame;
}

/** The dashboard's available balance in credits (the top bar's counter, without what is held). */
async function available(frame: FrameLocator): Promise<number> {
  const text = await frame.getByTestId('balance-counter').innerText();
  return minorUnits(text.replace(/\(.*\)/, ''));
}

async function billing(frame: FrameLocator) {
  await frame.getByRole('link', { name: 'Billing' }).click();
  const buy = frame.getByTestId('buy-credits');
  await expect(buy).toBeVisible();
  return buy;
}

/** The host's webhooks page, reloaded until an event of `type` arrived (they are delivered
 *  asynchronously, within seconds). */
async function webhookArrives(page: Page, type: string) {
  await page.goto('/settings/webhooks');
  await expect(page.getByTestId('webhook-registration')).toContainText('registered');
  const rows = page.locator(`tr[data-type="${type}"]`);
  await expect
    .poll(
      async () => {
        await page.reload();
        return rows.count();
      },
      { timeout: 30_000, intervals: [500, 1000, 2000] },
    )
    .toBeGreaterThan(0);
  return rows.first();
}

/** No horizontal scrolling at a phone's width. */
async function fitsNarrow(page: Page, name: string) {
  await page.setViewportSize({ width: 360, height: 800 });
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
  await page.screenshot({ path: screenshot(`host-app-${name}-360.png`), fullPage: true });
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('the admin buys a pack in the embedded dashboard: the host’s endpoint takes the payment, the ledger shows it, a signed webhook arrives', async ({
  page,
}) => {
  test.setTimeout(120_000);
  const errors = watchErrors(page);
  await signIn(page, 'Sign in as Ana (admin)', 'Ana Ruiz (admin)');
  await expectAccessible(page);
  const frame = await openCredits(page);
  // The token went to the frame by message: it is in no URL.
  expect(await frame.locator('html').evaluate(() => location.href)).not.toContain('cb_');
  expect(page.url()).not.toContain('cb_');

  const before = await available(frame);
  const buy = await billing(frame);
  await expect(buy.getByTestId('admin-only')).toHaveCount(0);
  await expect(buy.getByRole('button', { name: 'Review purchase' })).toBeEnabled();
  await buy.getByLabel(/1,000 credits/).check();
  await buy.getByRole('button', { name: 'Review purchase' }).click();
  await expect(buy).toContainText('Buy 1,000 credits for €10.00? They go into your additional credits.');
  await frame.getByTestId('confirm-purchase').click();
  await expect(frame.getByTestId('buy-outcome')).toHaveText('Bought 1,000 credits for €10.00. They are in your balance now.');
  await expect.poll(() => available(frame)).toBe(before + 1000);
  await page.screenshot({ path: screenshot('host-app-credits.png'), fullPage: true });

  // In the dashboard's ledger, as Ana's purchase.
  await frame.getByRole('link', { name: 'Activity' }).click();
  const row = frame.getByTestId('ledger').locator('tbody tr', { hasText: 'Purchase: 1,000 credits' });
  await expect(row).toHaveCount(1);
  await expect(row).toContainText('1,000');
  await expect(row).toContainText('Ana Ruiz');

  // The host's payment endpoint was asked once and approved, for Ana.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Payments log' }).click();
  const charge = page.getByTestId('charges').locator('tbody tr', { hasText: '€10.00' });
  await expect(charge).toHaveCount(1);
  await expect(charge).toHaveAttribute('data-outcome', 'approved');
  await expect(charge).toContainText('Ana Ruiz');
  await expect(charge).toContainText(/ch_[0-9a-f]+/);
  await expect(charge).toContainText('1 charge');
  await expectAccessible(page);

  // And was told, by a signed webhook.
  const event = await webhookArrives(page, 'purchase.completed');
  await expect(event).toContainText('signature verified');
  await expect(event).toContainText(/evt_/);
  await expect(event).toContainText('1,000 credits');
  await expectAccessible(page);
  await fitsNarrow(page, 'webhooks');
  expect(errors).toEqual([]);
});

test('a member sees the dashboard read-only and is told to ask the admin', async ({ page }) => {
  // The host's admins-only page answers 403.
  const errors = watchErrors(page, [403]);
  await signIn(page, 'Sign in as Jonas (member)', 'Jonas Berg (member)');
  const frame = await openCredits(page);
  const buy = await billing(frame);
  await expect(buy.getByTestId('admin-only')).toHaveText('Only team admins can buy credits — contact Ana Ruiz.');
  await expect(buy.getByRole('button', { name: 'Review purchase' })).toBeDisabled();
  await fitsNarrow(page, 'member-credits');
  // The host's own admin pages say the same.
  await page.goto('/settings/payments');
  await expect(page.getByRole('alert')).toHaveText('Only team admins see this page — ask Ana Ruiz.');
  await fitsNarrow(page, 'member');
  expect(errors).toEqual([]);
});

test('jobs report usage as the signed-in member: charged at once, or held then captured', async ({ page }) => {
  const errors = watchErrors(page);
  await signIn(page, 'Sign in as Jonas (member)', 'Jonas Berg (member)');
  await page.getByLabel('Images', { exact: true }).fill('2');
  await page.getByRole('button', { name: 'Run quick job' }).click();
  await expect(page.getByTestId('job-outcome')).toHaveText(/^Charged 6 credits; [\d,]+ left\.$/);

  await page.getByLabel('Seconds of video', { exact: true }).fill('10');
  await page.getByLabel('The render', { exact: true }).selectOption('complete');
  await page.getByRole('button', { name: 'Start long job' }).click();
  await expect(page.getByTestId('job-outcome')).toHaveText('Holding 40 credits while it renders.');
  await expect
    .poll(
      async () => {
        await page.reload();
        return page.getByTestId('job-outcome').innerText();
      },
      { timeout: 20_000 },
    )
    .toMatch(/^Captured 40 credits; [\d,]+ left\.$/);
  await expectAccessible(page);
  await fitsNarrow(page, 'jobs');

  // A job bigger than the balance is refused with the API's reason, and nothing is held.
  await page.getByLabel('Seconds of video', { exact: true }).fill('3600');
  await page.getByRole('button', { name: 'Start long job' }).click();
  await expect(page.getByTestId('job-outcome')).toHaveClass(/bad/);
  await expect(page.getByTestId('job-outcome')).not.toBeEmpty();

  // The dashboard lists both jobs as Jonas's.
  const frame = await openCredits(page);
  await frame.getByRole('link', { name: 'Activity' }).click();
  const ledger = frame.getByTestId('ledger');
  for (const job of ['Upscale 2 images', 'Render a 10 s clip']) {
    const row = ledger.locator('tbody tr', { hasText: job });
    await expect(row).toHaveCount(1);
    await expect(row).toContainText('Jonas Berg');
  }
  expect(errors).toEqual([]);
});

test('the admin buys the test pack: the card is declined, the dashboard says so and the balance stays', async ({
  page,
}) => {
  test.setTimeout(120_000);
  // The declined purchase answers 402.
  const errors = watchErrors(page, [402]);
  await signIn(page, 'Sign in as Ana (admin)', 'Ana Ruiz (admin)');
  const frame = await openCredits(page);
  const buy = await billing(frame);
  const before = await available(frame);
  await buy.getByLabel(/Test pack \(declined\)/).check();
  await buy.getByRole('button', { name: 'Review purchase' }).click();
  await expect(buy).toContainText('Buy 402 credits for €4.02?');
  await frame.getByTestId('confirm-purchase').click();
  await expect(frame.getByTestId('buy-outcome')).toHaveText(
    'The payment was declined: Your card was declined (test amount 4.02). Nothing was charged or added.',
  );
  expect(await available(frame)).toBe(before);
  await page.reload();
  const again = page.frameLocator(FRAME);
  await expect(again.getByTestId('account-name')).toHaveText('Northwind Studio');
  await expect.poll(() => available(again)).toBe(before);

  await page.goto('/settings/payments');
  const charge = page.getByTestId('charges').locator('tbody tr', { hasText: '€4.02' });
  await expect(charge).toHaveCount(1);
  await expect(charge).toHaveAttribute('data-outcome', 'declined');
  await expect(charge).toContainText('Your card was declined (test amount 4.02)');

  const event = await webhookArrives(page, 'purchase.failed');
  await expect(event).toContainText('signature verified');
  expect(errors).toEqual([]);
});
