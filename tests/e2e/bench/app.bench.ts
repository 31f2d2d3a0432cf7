// Browser figures for `cargo xtask bench`, on the release build in Debian's Chromium:
// - first full render: navigation start until the cards and the chart are drawn (a fresh
//   browser context each time, so nothing is cached);
// - period switch: a click on a period until the chart shows that period, with 100,000
//   ledger entries in the demo store.
// Medians go to target/bench/app.json; the xtask prints them.
import { expect, test, type Page } from '@playwright/test';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { NOW } from '../support';

const OUT = path.join(__dirname, '../../../target/bench/app.json');
const RENDER_RUNS = 11;
const SWITCH_ROUNDS = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Records, in the page, when the first chart has been drawn with the cards on screen. */
const RECORD_RENDER = `
  window.__cbRendered = null;
  new MutationObserver(() => {
    if (window.__cbRendered === null
        && document.querySelector('[data-rendered]')
        && document.querySelector('[data-testid^=available-]')) {
      window.__cbRendered = performance.now();
    }
  }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-rendered'] });
`;

async function firstRender(page: Page, url: string): Promise<number> {
  await page.addInitScript(RECORD_RENDER);
  await page.clock.setFixedTime(new Date(NOW));
  await page.goto(url);
  await page.waitForFunction(() => (window as any).__cbRendered !== null, null, { timeout: 60_000 });
  return page.evaluate(() => (window as any).__cbRendered as number);
}

test('figures', async ({ browser }) => {
  const figures: Record<string, number | string> = {};

  // First full render of the default demo, cold.
  const renders: number[] = [];
  for (let i = 0; i < RENDER_RUNS; i++) {
    const context = await browser.newContext({ reducedMotion: 'reduce' });
    const page = await context.newPage();
    renders.push(await firstRender(page, '/?preset=videogen'));
    await context.close();
  }
  figures.first_render_ms_median = median(renders);
  figures.first_render_ms_runs = renders.map((r) => Math.round(r)).join(' ');

  // Period switches with 100,000 ledger entries.
  const context = await browser.newContext({ reducedMotion: 'reduce' });
  const page = await context.newPage();
  const bigRender = await firstRender(page, '/?preset=videogen&demo_scale=1400');
  figures.first_render_100k_ms = bigRender;
  const count = Number((await page.getByTestId('demo-entry-count').innerText()).replace(/[^0-9]/g, ''));
  expect(count).toBeGreaterThanOrEqual(100_000);
  figures.ledger_entries = count;
  const periods = ['last_7_days', 'this_month', 'last_month', 'last_90_days', 'last_180_days', 'this_year', 'last_30_days'];
  const switches: number[] = [];
  const byPeriod: Record<string, number[]> = {};
  for (let round = 0; round < SWITCH_ROUNDS; round++) {
    for (const period of periods) {
      const chip = page.locator(`a.chip[data-period=${period}]`);
      await chip.waitFor();
      // In the page: time the click, then wait for a chart drawn for another range.
      const ms = await page.evaluate(async (period) => {
        const before = document.querySelector('[data-rendered]')?.getAttribute('data-rendered');
        const chip = document.querySelector(`a.chip[data-period=${period}]`) as HTMLElement;
        return await new Promise<number>((resolve) => {
          const start = performance.now();
          const observer = new MutationObserver(() => {
            const now = document.querySelector('[data-rendered]')?.getAttribute('data-rendered');
            if (now && now !== before) {
              observer.disconnect();
              resolve(performance.now() - start);
            }
          });
          observer.observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-rendered'] });
          chip.click();
        });
      }, period);
      await expect(page).toHaveURL(new RegExp(`period=${period}`));
      switches.push(ms);
      (byPeriod[period] ??= []).push(ms);
    }
  }
  await context.close();
  figures.period_switch_ms_median = median(switches);
  figures.period_switch_ms_max = Math.max(...switches);
  figures.period_switches = switches.length;
  figures.period_switch_ms_by_period = Object.entries(byPeriod)
    .map(([p, xs]) => `${p} ${Math.round(median(xs))}`)
    .join(', ');

  fs.mkdirSync(path.dirname(OUT), { recursive: true });
  fs.writeFileSync(OUT, JSON.stringify(figures, null, 2));
  console.log(JSON.stringify(figures, null, 2));
});

// The Activity page with 1,000,000 ledger entries in the demo store: a filter change until page
// 1 shows the new listing, and a CSV export of about 100,000 rows until the file is saved.
const ACTIVITY_OUT = path.join(__dirname, '../../../target/bench/activity.json');

test('activity figures', async ({ browser }) => {
  const figures: Record<string, number | string> = {};
  const context = await browser.newContext({ reducedMotion: 'reduce', acceptDownloads: true });
  const page = await context.newPage();
  await page.clock.setFixedTime(new Date(NOW));
  await page.goto('/activity?preset=videogen&demo_scale=13800&period=all');
  await page.getByTestId('activity-summary').waitFor({ timeout: 300_000 });
  const count = Number((await page.getByTestId('demo-entry-count').innerText()).replace(/[^0-9]/g, ''));
  expect(count).toBeGreaterThanOrEqual(1_000_000);
  figures.ledger_entries = count;
  // Each change: set a filter as a user would, then wait for page 1 of the new listing.
  const changes: [string, string][] = [
    ['type', 'refund'],
    ['type', ''],
    ['status', 'failed'],
    ['status', ''],
    ['category', 'video_export'],
    ['category', ''],
    ['member', 'm_emil'],
    ['member', ''],
  ];
  const times: number[] = [];
  for (let round = 0; round < 3; round++) {
    for (const [key, value] of changes) {
      const ms = await page.evaluate(
        async ([key, value]) => {
          const before = document.querySelector('[data-testid=activity-summary]')?.textContent;
          const select = document.querySelector(`select[data-filter=${key}]`) as HTMLSelectElement;
          return await new Promise<number>((resolve) => {
            const start = performance.now();
            const observer = new MutationObserver(() => {
              const now = document.querySelector('[data-testid=activity-summary]')?.textContent;
              if (now && now !== before && document.querySelector('[data-testid=ledger] tbody tr')) {
                observer.disconnect();
                resolve(performance.now() - start);
              }
            });
            observer.observe(document, { subtree: true, childList: true, characterData: true });
            select.value = value;
            select.dispatchEvent(new Event('change', { bubbles: true }));
          });
        },
        [key, value],
      );
      times.push(ms);
    }
  }
  figures.filter_ms_median = median(times);
  figures.filter_ms_max = Math.max(...times);
  figures.filter_changes = times.length;

  // About 100,000 rows: a custom range of the most recent days.
  await page.goto('/activity?preset=videogen&demo_scale=13800&from=2026-10-14&to=2026-11-21');
  await page.getByTestId('activity-summary').waitFor({ timeout: 300_000 });
  const rows = Number((await page.getByTestId('activity-summary').innerText()).split('·')[0].replace(/[^0-9]/g, ''));
  figures.export_rows = rows;
  const exports: number[] = [];
  for (let i = 0; i < 3; i++) {
    const start = Date.now();
    const download = page.waitForEvent('download', { timeout: 120_000 });
    await page.getByTestId('export-csv').click();
    const file = await (await download).path();
    exports.push(Date.now() - start);
    const lines = fs.readFileSync(file!, 'utf8').split('\r\n').filter((l) => l.length > 0).length;
    expect(lines - 1).toBe(rows);
  }
  figures.export_ms_median = median(exports);
  await context.close();
  fs.mkdirSync(path.dirname(ACTIVITY_OUT), { recursive: true });
  fs.writeFileSync(ACTIVITY_OUT, JSON.stringify(figures, null, 2));
  console.log(JSON.stringify(figures, null, 2));
});
