// Playwright runs against a release build served by `cargo xtask test`, in Debian's Chromium
// (no browser download). The xtask passes the fixtures, the pinned clock and two URLs: the app
// on a static file server (the in-browser demo store) and the reference server in demo mode,
// whose accounts hold the same seeded histories. Each test runs against both; the few that
// drive the demo store's own controls, and screenshots taken once for review, are tagged and
// skipped on the server. A third URL, the sample host's, runs host-app.spec.ts alone.
import { defineConfig } from '@playwright/test';

const HOST_APP = 'host-app.spec.ts';

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
  projects: [
    { name: 'demo-store', use: { baseURL: process.env.CB_BASE_URL }, testIgnore: ['bench/**', HOST_APP] },
    ...(process.env.CB_SERVER_URL
      ? [
          {
            name: 'server',
            use: { baseURL: process.env.CB_SERVER_URL },
            grepInvert: /@demo-store-only|@screenshots-once/,
            testIgnore: ['bench/**', HOST_APP],
          },
        ]
      : []),
    // The sample host (examples/host/) on a Creditboard server of its own: only its file.
    ...(process.env.CB_HOST_APP_URL
      ? [{ name: 'host-app', use: { baseURL: process.env.CB_HOST_APP_URL }, testMatch: HOST_APP }]
      : []),
  ],
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
