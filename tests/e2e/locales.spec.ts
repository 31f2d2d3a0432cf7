// Every product in every supported locale: each meter's balance written the locale's way
// (checked against the browser's own Intl, not the app's Rust formatting), and a screenshot
// per product and locale under target/screenshots/locales/ for review.
import { expect, test } from '@playwright/test';
import { DEMO_STORE_ONLY, PRESETS, balance, fixture, ledgerIds, open, screenshot } from './support';

const LOCALES = ['en-US', 'de-DE', 'fr-FR', 'ja-JP'] as const;

/** A balance in minor units as `locale` writes it: money in its currency, otherwise the
 *  number at the meter's scale. */
function written(locale: string, minor: number, decimals: number, currency: string | null): string {
  const value = minor / 10 ** decimals;
  if (currency) return new Intl.NumberFormat(locale, { style: 'currency', currency }).format(value);
  return new Intl.NumberFormat(locale, { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).format(
    value,
  );
}

for (const locale of LOCALES) {
  test(`${locale}: every product’s balances, and a ledger’s times, are written the ${locale} way`, DEMO_STORE_ONLY, async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 900 });
    for (const preset of PRESETS) {
      const f = fixture(preset);
      const errors = await open(page, `/?preset=${preset}&locale=${locale}`);
      await expect(page.getByTestId('account-name')).toHaveText(f.account.name);
      for (const meter of f.account.meters) {
        const available = page.getByTestId(`available-${meter.id}`).locator('.stat-value');
        await expect(available).toBeVisible();
        const currency = preset === 'fotomaster' ? 'USD' : null;
        const expected = written(locale, balance(f, meter.id), meter.decimals, currency);
        expect(await available.innerText(), `${preset} ${meter.name}`).toContain(expected);
      }
      await expect(page.getByTestId(`chart-${f.account.meters[0].id}`).locator('canvas').first()).toBeVisible();
      await page.screenshot({ path: screenshot(`locales/${preset}-${locale}.png`), fullPage: true });
      expect(errors).toEqual([]);
    }
    // A ledger's times: in the account's timezone (Foto Master's Sydney), written the
    // locale's way, as Intl writes them.
    const f = fixture('fotomaster');
    const errors = await open(page, `/activity?preset=fotomaster&locale=${locale}`);
    const rows = page.locator('[data-testid=ledger] tbody tr');
    await expect(rows.first()).toBeVisible();
    const ids = await ledgerIds(page);
    for (const [i, id] of ids.slice(0, 5).entries()) {
      const at = f.entries.find((e) => e.id === id)!.at;
      const when = new Intl.DateTimeFormat(locale, {
        timeZone: f.account.timezone,
        month: 'short',
        day: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
      }).format(new Date(at));
      await expect(rows.nth(i).locator(':scope > *').first(), `entry ${id}`).toHaveText(when);
    }
    await page.screenshot({ path: screenshot(`locales/fotomaster-activity-${locale}.png`), fullPage: true });
    expect(errors).toEqual([]);
  });
}
