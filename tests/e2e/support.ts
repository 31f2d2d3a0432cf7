// Shared helpers for the end-to-end tests: the seeded data (written by `cargo xtask test`),
// an independent reading of it, and a page opened at the pinned instant.
import { expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const NOW = process.env.CB_NOW ?? '2026-11-21T15:30:00Z';
export const PRESETS = ['lucas', 'ngram', 'videogen', 'act3', 'fotomaster'] as const;
export type Preset = (typeof PRESETS)[number];

export interface Entry {
  id: number;
  at: string;
  meter: string;
  kind: string;
  status: string;
  amount: number;
  balance_after: number;
}

export interface Fixture {
  now: string;
  preset: Preset;
  account: {
    name: string;
    timezone: string;
    freshness: 'live' | 'through_yesterday';
    meters: { id: string; name: string; decimals: number }[];
  };
  entries: Entry[];
}

export function fixture(preset: Preset): Fixture {
  const dir = process.env.CB_FIXTURES ?? path.join(__dirname, '../../target/e2e/fixtures');
  return JSON.parse(fs.readFileSync(path.join(dir, `${preset}.json`), 'utf8'));
}

/** The account-local calendar date of an instant, as YYYY-MM-DD. */
export function localDate(instant: string | Date, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    new Date(instant),
  );
}

export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Balance of a meter: the sum of its entries. */
export function balance(f: Fixture, meter: string): number {
  return f.entries.filter((e) => e.meter === meter).reduce((s, e) => s + e.amount, 0);
}

const USAGE = new Set(['consume', 'hold_capture', 'refund']);

/** Net usage of a meter over the `days` local days ending today (or yesterday, when the
 *  account's data runs through yesterday). */
export function usedInLastDays(f: Fixture, meter: string, days: number): number {
  const today = localDate(f.now, f.account.timezone);
  const last = f.account.freshness === 'through_yesterday' ? addDays(today, -1) : today;
  const first = addDays(last, -(days - 1));
  return f.entries
    .filter((e) => e.meter === meter && USAGE.has(e.kind))
    .filter((e) => {
      const d = localDate(e.at, f.account.timezone);
      return d >= first && d <= last;
    })
    .reduce((s, e) => s - e.amount, 0);
}

/** A displayed amount ("17,258 credits", "$27.32", "443.2 min") in minor units. */
export function minorUnits(text: string): number {
  const digits = text.replace(/[^0-9]/g, '');
  return (text.trim().startsWith('-') ? -1 : 1) * Number(digits);
}

/** Opens a path with the browser's clock pinned to the fixtures' "now", failing the test on
 *  any console error or uncaught exception. */
export async function open(page: Page, url: string): Promise<string[]> {
  const errors: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.clock.setFixedTime(new Date(NOW));
  await page.goto(url);
  return errors;
}

/** axe-core: no serious or critical accessibility violation. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`)).toEqual([]);
}

export const SCREENSHOTS = path.join(__dirname, '../../target/screenshots');
