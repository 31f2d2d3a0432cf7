// Playwright runs against a release build served by `cargo xtask test`, in Debian's Chromium
// (no browser download). The xtask passes the server URL, the fixtures and the pinned clock.
import { defineConfig } from '@playwright/test';

export default defineConfig({
  testDir: '.',
  // Benchmarks run from `cargo xtask bench` with their own config.
  testIgnore: ['bench/**'],
  outputDir: '../../target/e2e/results',
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: true,
  workers: 2,
  reporter: [['list']],
  use: {
    baseURL: process.env.CB_BASE_URL,
    trace: 'retain-on-failure',
    // Charts follow prefers-reduced-motion: no animation, so a pinned clock and screenshots
    // see the final bars.
    reducedMotion: 'reduce',
    launchOptions: {
      executablePath: process.env.CB_CHROMIUM ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
