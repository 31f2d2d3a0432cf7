// The Audit log page, for admins: a change made on the Billing page is listed with who made
// it and what it was before and after; a purchase is among the events the host is told (with
// nowhere to go: no webhook endpoint here). A member neither sees the page in the navigation
// nor may open it. On the demo store and on the server alike.
import { expect, test } from '@playwright/test';
import { expectAccessible, fixture, balance, open, screenshot, viewAs } from './support';

test('an admin sees the change they made and the purchase the host was told of', async ({ page }) => {
  const f = fixture('videogen');
  const errors = await open(page, '/billing?preset=videogen');
  const start = balance(f, 'credits');
  await expect(page.getByTestId('balance-counter')).toContainText(start.toLocaleString('en-US'));
  const level = 1234;
  const alerts = page.getByTestId('alerts-credits');
  await alerts.getByTestId('alert-levels').fill(`${level}`);
  await alerts.getByRole('button', { name: 'Save alerts' }).click();
  await expect(alerts).toContainText('Alerts saved.');
  const buy = page.getByTestId('buy-credits');
  await buy.getByLabel(/2,000 Mini/).check();
  await buy.getByRole('button', { name: 'Review purchase' }).click();
  await page.getByTestId('confirm-purchase').click();
  await expect(page.getByTestId('buy-outcome')).toContainText('2,000 credits');

  await page.getByRole('link', { name: 'Audit log' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Audit log' })).toBeVisible();
  const change = page.getByTestId('audit-changes').locator('tbody tr').first();
  await expect(change).toContainText('Anton Koenig');
  await expect(change).toContainText('Low-balance alerts · meter:credits');
  await expect(change.locator('td').last()).toContainText(`"below":${level}`);
  const event = page.getByTestId('audit-events').locator('tbody tr', { hasText: 'purchase.completed' }).first();
  await expect(event).toContainText('2,000');
  await expect(event).toContainText('Not sent: no webhook endpoint takes it');
  await expectAccessible(page);
  await page.screenshot({ path: screenshot('audit-log.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('a member has no audit log', async ({ page }) => {
  await open(page, '/?preset=videogen');
  await viewAs(page, /Jonas Weber/);
  await expect(page.getByRole('link', { name: 'Team' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Audit log' })).toHaveCount(0);
});
