// The API reference the reference server shows integrators at /api/docs: its own document,
// rendered from files the build copied from npm, with nothing fetched from anywhere else.
import { expect, test } from '@playwright/test';
import { onServer } from './support';

test('the API reference shows every operation group from the server alone', async ({ page }) => {
  test.skip(!onServer(), 'the reference server serves it');
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const origin = new URL(test.info().project.use.baseURL!).origin;
  await page.goto(`${origin}/api/docs`);
  await expect(page.getByRole('heading', { name: /Creditboard API/ })).toBeVisible();
  for (const tag of ['dashboard', 'spend', 'ingest', 'provisioning', 'webhooks']) {
    await expect(page.locator(`#operations-tag-${tag}`)).toBeVisible();
  }
  await expect(page.getByText('Grant credits').first()).toBeVisible();
  await expect(page.getByText('Report usage').first()).toBeVisible();
  const elsewhere = requested.filter((u) => !u.startsWith(origin) && !u.startsWith('data:'));
  expect(elsewhere).toEqual([]);
});
