// The app shell: every product preset opens with its account, each meter's balance and the
// last 30 days of usage, equal to an independent computation over the seeded data.
import { expect, test } from '@playwright/test';
import * as path from 'node:path';
import {
  PRESETS,
  SCREENSHOTS,
  balance,
  expectAccessible,
  fixture,
  minorUnits,
  open,
  usedInLastDays,
} from './support';

for (const preset of PRESETS) {
  test(`${preset}: balance and 30-day usage match the seeded ledger`, async ({ page }) => {
    const f = fixture(preset);
    const errors = await open(page, `/?preset=${preset}`);
    await expect(page.getByTestId('account-name')).toHaveText(f.account.name);
    await expect(page.getByText(`times in ${f.account.timezone}`)).toBeVisible();
    for (const meter of f.account.meters) {
      const available = page.getByTestId(`available-${meter.id}`).locator('.stat-value');
      await expect(available).toBeVisible();
      expect(minorUnits(await available.innerText()), `${meter.name} available`).toBe(balance(f, meter.id));
      const used = page.getByTestId(`used-${meter.id}`).locator('.stat-value');
      expect(minorUnits(await used.innerText()), `${meter.name} used`).toBe(usedInLastDays(f, meter.id, 30));
      await expect(page.getByTestId(`chart-${meter.id}`).locator('canvas').first()).toBeVisible();
    }
    expect(errors).toEqual([]);
  });
}

test('an unknown preset in the URL says so and shows the default demo', async ({ page }) => {
  const errors = await open(page, '/?preset=nope');
  await expect(page.getByRole('status')).toContainText('There is no product preset “nope”');
  await expect(page.getByTestId('account-name')).toHaveText(fixture('videogen').account.name);
  expect(errors).toEqual([]);
});

test('a deep link is served by the app', async ({ page }) => {
  const errors = await open(page, '/no/such/page');
  await expect(page.getByRole('heading', { name: 'Page not found' })).toBeVisible();
  expect(errors).toEqual([]);
});

test('no serious accessibility violation; screenshots in light, dark and at 360 px', async ({ browser }) => {
  for (const [name, options] of [
    ['usage-light', { colorScheme: 'light', reducedMotion: 'reduce', viewport: { width: 1280, height: 900 } }],
    ['usage-dark', { colorScheme: 'dark', reducedMotion: 'reduce', viewport: { width: 1280, height: 900 } }],
    ['usage-360', { colorScheme: 'light', reducedMotion: 'reduce', viewport: { width: 360, height: 780 } }],
  ] as const) {
    const context = await browser.newContext(options);
    const page = await context.newPage();
    await open(page, '/?preset=lucas');
    await expect(page.locator('canvas').first()).toBeVisible();
    await expectAccessible(page);
    await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
    await context.close();
  }
});
