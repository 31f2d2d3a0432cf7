// Shared helpers for the end-to-end tests: the seeded data (written by `cargo xtask test`),
// an independent reading of it (periods computed here with the browser's Intl, not by the
// app's Rust code), and a page opened at the pinned instant.
import { expect, test, type Page } from '@playwright/test';
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
  /** The entry a refund, a capture or a release settles. */
  reverses?: number;
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

const cache = new Map<string, Fixture>();

export function fixture(preset: Preset): Fixture {
  const dir = process.env.CB_FIXTURES ?? path.join(__dirname, '../../target/e2e/fixtures');
  const file = path.join(dir, `${preset}.json`);
  if (!cache.has(file)) cache.set(file, JSON.parse(fs.readFileSync(file, 'utf8')));
  return cache.get(file)!;
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

export const PERIODS = [
  'last_7_days',
  'this_month',
  'last_month',
  'last_30_days',
  'last_90_days',
  'last_180_days',
  'this_year',
] as const;
export type PeriodSlug = (typeof PERIODS)[number];

/** The local days `[first, last]` a period covers for this account at the pinned instant:
 *  presets end today, or yesterday when the account's data runs through yesterday; "this
 *  month" and "this year" start on today's calendar. `null` for a period with no days yet. */
export function periodDays(f: Fixture, period: PeriodSlug): [string, string] | null {
  const today = localDate(f.now, f.account.timezone);
  const last = f.account.freshness === 'through_yesterday' ? addDays(today, -1) : today;
  const monthStart = `${today.slice(0, 8)}01`;
  const lastN = (n: number): [string, string] => [addDays(last, -(n - 1)), last];
  let range: [string, string];
  switch (period) {
    case 'last_7_days':
      range = lastN(7);
      break;
    case 'last_30_days':
      range = lastN(30);
      break;
    case 'last_90_days':
      range = lastN(90);
      break;
    case 'last_180_days':
      range = lastN(180);
      break;
    case 'this_month':
      range = [monthStart, last];
      break;
    case 'last_month': {
      const d = new Date(`${monthStart}T00:00:00Z`);
      d.setUTCMonth(d.getUTCMonth() - 1);
      range = [d.toISOString().slice(0, 10), addDays(monthStart, -1)];
      break;
    }
    case 'this_year':
      range = [`${today.slice(0, 4)}-01-01`, last];
      break;
  }
  return range[0] <= range[1] ? range : null;
}

const USAGE = new Set(['consume', 'hold_capture', 'refund']);

/** Net usage of a meter on the local days `[first, last]`. */
export function usedBetween(f: Fixture, meter: string, first: string, last: string): number {
  return f.entries
    .filter((e) => e.meter === meter && USAGE.has(e.kind))
    .filter((e) => {
      const d = localDate(e.at, f.account.timezone);
      return d >= first && d <= last;
    })
    .reduce((s, e) => s - e.amount, 0);
}

/** "Oct 23 – Nov 21, 2026" / "Dec 30, 2025 – Jan 5, 2026" / "Nov 21, 2026". */
export function rangeLabel(first: string, last: string): string {
  const fmt = (d: string, year: boolean) =>
    new Intl.DateTimeFormat('en-US', {
      timeZone: 'UTC',
      month: 'short',
      day: 'numeric',
      ...(year ? { year: 'numeric' } : {}),
    }).format(new Date(`${d}T00:00:00Z`));
  if (first === last) return fmt(first, true);
  return `${fmt(first, first.slice(0, 4) !== last.slice(0, 4))} – ${fmt(last, true)}`;
}

/** A displayed amount ("17,258 credits", "$27.32", "443.2 min") in minor units. */
export function minorUnits(text: string): number {
  const digits = text.replace(/[^0-9]/g, '');
  return (text.trim().startsWith('-') ? -1 : 1) * Number(digits);
}

const SETTLES = new Set(['refund', 'hold_capture', 'hold_release']);
const ADDS = new Set(['refill', 'purchase', 'auto_top_up', 'grant', 'adjustment']);

/** An entry as the Activity listing sees it: `kind` and `status` are its job's (a capture, a
 *  release or a refund belongs to the hold or charge it settles), `root` the job's first
 *  entry, `own` the entry as stored. */
export type Listed<E extends Entry> = E & { root: number; own: E };

/** Every entry as the listing sees it, by a plain walk of the ledger: a hold is pending
 *  until something settles it, a success once captured, else what its release says. */
export function listed<E extends Entry>(entries: E[]): Listed<E>[] {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const settledBy = new Map<number, E[]>();
  for (const e of entries) {
    if (e.reverses !== undefined && SETTLES.has(e.kind)) {
      settledBy.set(e.reverses, [...(settledBy.get(e.reverses) ?? []), e]);
    }
  }
  const rootOf = (e: E): E => (e.reverses !== undefined && SETTLES.has(e.kind) ? rootOf(byId.get(e.reverses)!) : e);
  const statusOf = (root: E): string => {
    if (root.kind !== 'hold') return root.status;
    const settling = settledBy.get(root.id) ?? [];
    if (settling.length === 0) return 'pending';
    if (settling.some((e) => e.kind === 'hold_capture')) return 'success';
    return settling.find((e) => e.kind === 'hold_release')!.status;
  };
  return entries.map((e) => {
    const root = rootOf(e);
    return { ...e, kind: root.kind, status: statusOf(root), root: root.id, own: e };
  });
}

/** What a set of listed entries shows in the Activity summary: [rows, used, added] in minor
 *  units (used: charges net of refunds; added: refills, purchases, top-ups, grants and
 *  upward corrections). */
export function summed<E extends Entry>(es: Listed<E>[]): [number, number, number] {
  const rows = es.filter((e) => e.root === e.id).length;
  const used = es.filter((e) => USAGE.has(e.own.kind)).reduce((s, e) => s - e.own.amount, 0);
  const added = es
    .filter((e) => ADDS.has(e.own.kind) && e.own.amount > 0)
    .reduce((s, e) => s + e.own.amount, 0);
  return [rows, used, added];
}

/** The rows of listed entries (each job once, at its first entry), in their order. */
export function rowsOf<E extends Entry>(es: Listed<E>[]): Listed<E>[] {
  return es.filter((e) => e.root === e.id);
}

/** The Activity summary as [rows, used, added] in minor units ("2,137 entries · used 723
 *  credits · added 4,000 credits"; "nothing used"). One meter's. */
export async function activitySummary(page: Page): Promise<[number, number, number]> {
  const parts = (await page.getByTestId('activity-summary').innerText()).split('·').map((p) => p.trim());
  const part = (word: string) => parts.find((p) => p.startsWith(`${word} `));
  const amount = (p: string | undefined) => (p ? minorUnits(p.slice(p.indexOf(' ') + 1)) : 0);
  return [Number(parts[0].replace(/[^0-9]/g, '')), amount(part('used')), amount(part('added'))];
}

/** Acts as the team member whose name matches, through the demo bar's *View as*. */
export async function viewAs(page: Page, name: RegExp) {
  const select = page.getByTestId('demo-viewer');
  const value = await select.locator('option', { hasText: name }).getAttribute('value');
  await select.selectOption(value!);
  await expect(select).toHaveValue(value!);
}

/** The Activity ledger's rows as entry ids, top to bottom. */
export async function ledgerIds(page: Page): Promise<number[]> {
  return (await page.locator('[data-testid=ledger] tbody tr').evaluateAll((rows) =>
    rows.map((r) => Number((r as HTMLElement).dataset.entry)),
  )) as number[];
}

/** Whether this run is against the reference server (the `server` project) rather than the
 *  in-browser demo store. */
export function onServer(): boolean {
  return test.info().project.name === 'server';
}

/** Tests that drive the demo store's own controls (its demo actions); the server's demo has
 *  none. */
export const DEMO_STORE_ONLY = { tag: '@demo-store-only' };

/** Screenshots for review that show nothing the server's run would show differently (the same
 *  app over the same histories): taken once, on the demo store. */
export const SCREENSHOTS_ONCE = { tag: '@screenshots-once' };

/** On the server, the URL with this test's own `session`: a fresh copy of the demo accounts,
 *  so tests running side by side never see each other's purchases and settings. */
function withSession(url: string): string {
  if (!onServer()) return url;
  const info = test.info();
  const id = `${info.testId}-${info.retry}-${info.repeatEachIndex}`.replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 40);
  const u = new URL(url, 'http://host');
  u.searchParams.set('session', id);
  return `${u.pathname}${u.search}${u.hash}`;
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
  await page.goto(withSession(url));
  return errors;
}

/** axe-core: no serious or critical accessibility violation. */
export async function expectAccessible(page: Page) {
  const results = await new AxeBuilder({ page }).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  expect(bad.map((v) => `${v.id}: ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`)).toEqual(
    [],
  );
}

/** Where a screenshot for review goes: `target/screenshots/`, and `server/` below it for the
 *  run against the server. */
export function screenshot(name: string): string {
  const dir = path.join(__dirname, '../../target/screenshots');
  return onServer() ? path.join(dir, 'server', name) : path.join(dir, name);
}
