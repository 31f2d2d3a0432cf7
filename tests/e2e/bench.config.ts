// `cargo xtask bench` runs the browser benchmarks with this config: one worker, so nothing
// else competes for the two cores while a figure is taken, and no tracing.
import { defineConfig } from '@playwright/test';
import base from './playwright.config';

export default defineConfig({
  ...base,
  testDir: './bench',
  testIgnore: [],
  testMatch: '**/*.bench.ts',
  fullyParallel: false,
  workers: 1,
  timeout: 600_000,
  retries: 0,
  // The trace recorder snapshots the page as it loads: a figure taken with it on measures the
  // recorder as much as the app.
  use: { ...base.use, trace: 'off' },
});
