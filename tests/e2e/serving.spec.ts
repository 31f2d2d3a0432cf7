// The reference server serves the app as a product: every page runs under its
// Content-Security-Policy with nothing refused (the page's inline scripts, the app's wasm and
// its chunks, ECharts, the demo store's worker from a blob, the API reference), and the
// app's files arrive compressed and named by their content, to be kept a year.
import { expect, test, type Page } from '@playwright/test';
import { onServer, open } from './support';

test.beforeEach(() => test.skip(!onServer(), 'the reference server’s headers'));

/** What the policy refused on the page, as the browser reports it (a `securitypolicyviolation`
 *  event, or the console's "Refused to …"). */
async function watchPolicy(page: Page): Promise<string[]> {
  const refused: string[] = [];
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to|^csp:/i.test(m.text())) refused.push(m.text());
  });
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`csp: ${e.effectiveDirective} refused ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`),
    );
  });
  return refused;
}

/** Each of the app's pages, the demo store started in its worker, and the API reference. */
const PAGES = [
  '/?preset=videogen',
  '/activity?preset=videogen',
  '/rates?preset=act3',
  '/billing?preset=videogen',
  '/team?preset=videogen',
  '/audit?preset=videogen',
  '/?preset=fotomaster&store=demo',
];

for (const url of PAGES) {
  test(`${url} runs under the policy with nothing refused`, async ({ page }) => {
    const refused = await watchPolicy(page);
    const errors = await open(page, url);
    await expect(page.getByTestId('account-name')).toBeVisible();
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeVisible();
    if (url.startsWith('/?')) {
      await expect(page.locator('[data-rendered]').first()).toBeAttached();
      // ECharts drew: its script ran and its tooltips' inline styles are allowed.
      await expect(page.locator('canvas').first()).toBeVisible();
      await page.locator('canvas').first().hover();
    }
    await page.waitForLoadState('networkidle');
    expect(refused).toEqual([]);
    expect(errors.filter((e) => !/status of 4\d\d/.test(e))).toEqual([]);
  });
}

test('the API reference runs under the policy with nothing refused', async ({ page }) => {
  const refused = await watchPolicy(page);
  const origin = new URL(test.info().project.use.baseURL!).origin;
  await page.goto(`${origin}/api/docs`);
  await expect(page.locator('#operations-tag-dashboard')).toBeVisible();
  await page.locator('#operations-tag-dashboard').click();
  await page.waitForLoadState('networkidle');
  expect(refused).toEqual([]);
});

test('the first view arrives compressed, its files named to be kept, the page revalidated', async ({ page }) => {
  const answers = new Map<string, Record<string, string>>();
  page.on('response', (r) => answers.set(new URL(r.url()).pathname, r.headers()));
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  let transferred = 0;
  cdp.on('Network.loadingFinished', (e) => (transferred += e.encodedDataLength));
  await open(page, '/?preset=videogen');
  await expect(page.locator('[data-rendered]').first()).toBeAttached();
  await page.waitForLoadState('networkidle');

  const wasm = [...answers.keys()].find((p) => /^\/creditboard_bg-[0-9a-f]{16}\.wasm$/.test(p));
  expect(wasm, [...answers.keys()].join('\n')).toBeTruthy();
  const headers = answers.get(wasm!)!;
  expect(headers['content-encoding']).toBe('br');
  expect(headers['content-type']).toBe('application/wasm');
  expect(headers['cache-control']).toBe('public, max-age=31536000, immutable');
  expect(headers['vary']).toContain('accept-encoding');
  for (const [path, h] of answers) {
    if (/\.(wasm|js|css)$/.test(path)) {
      expect(h['content-encoding'] ?? 'identity', path).toMatch(/^(br|gzip|identity)$/);
      expect(h['cache-control'], path).toBe('public, max-age=31536000, immutable');
    }
    expect(h['x-content-type-options'], path).toBe('nosniff');
    // The page's policy goes with the page; a file or an API answer may run nothing.
    const policy = path === '/' ? /^default-src 'self'; script-src 'self' 'wasm-unsafe-eval' 'sha256-/ : /^default-src 'none'/;
    expect(h['content-security-policy'], path).toMatch(policy);
  }
  // Framed by its own origin and the host page's (the xtask names it).
  expect(answers.get('/')!['content-security-policy']).toContain(`frame-ancestors 'self' ${new URL(process.env.CB_BASE_URL!).origin}`);
  // The demo's page holds a member token: never stored.
  expect(answers.get('/')!['cache-control']).toBe('no-store');
  console.log(`first view from the server: ${transferred} bytes over ${answers.size} answers`);
});
