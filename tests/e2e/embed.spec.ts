// The dashboard inside a host's settings page (tests/e2e/host/): Acme Studio, with its own
// broad CSS, its own router (hash mode on mount.html, query mode on element.html) and the app
// served under a base path (/acme/credits/). Both entry points: Creditboard.mount and
// <credit-board>. The static server serves these pages, so the tests run on the demo store.
import { expect, test, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { DEMO_STORE_ONLY, balance, fixture, minorUnits, open, screenshot } from './support';

const APP = process.env.CB_EMBED_APP ?? '/acme/credits/';
const FRAME = 'iframe[name="creditboard-embed"]';

/** The host's own look, as host.css sets it, read from the host's elements. */
async function hostLook(page: Page) {
  return page.evaluate(() => {
    const style = (el: Element | null) => (el ? getComputedStyle(el) : null);
    const body = style(document.body)!;
    const h1 = style(document.querySelector('h1'))!;
    const button = style(document.querySelector('.host-main button'))!;
    const card = style(document.querySelector('[data-testid=host-card]'))!;
    return {
      bodyBackground: body.backgroundColor,
      bodyFont: body.fontFamily,
      h1Size: h1.fontSize,
      buttonBackground: button.backgroundColor,
      cardOutline: card.outlineStyle,
      sheets: [...document.styleSheets].map((s) => (s.href ? new URL(s.href).pathname : 'inline')),
      dashboardInHostDocument: document.querySelector('.cb-app, .topbar, [data-testid=account-name]') !== null,
    };
  });
}

const HOST_LOOK = {
  bodyBackground: 'rgb(253, 246, 227)',
  h1Size: '40px',
  buttonBackground: 'rgb(255, 105, 180)',
  cardOutline: 'dashed',
  sheets: ['/acme/settings/host.css'],
  dashboardInHostDocument: false,
};

test('Creditboard.mount renders in its element only, under a base path, and the two pages’ styles stay apart', DEMO_STORE_ONLY, async ({ page }) => {
  const errors = await open(page, '/acme/settings/mount.html?org=acme#/credits');
  const frame = page.frameLocator(FRAME);
  await expect(frame.getByTestId('account-name')).toHaveText(fixture('videogen').account.name);
  await expect(frame.locator('.card').first()).toBeVisible();

  // The host keeps its look: nothing of the dashboard's stylesheet or markup reached it.
  const look = await hostLook(page);
  expect(look).toMatchObject(HOST_LOOK);
  expect(look.bodyFont).toContain('Georgia');
  // The dashboard is one frame, inside the element the host gave, and nowhere else.
  expect(await page.locator(FRAME).count()).toBe(1);
  expect(await page.locator(`#credits-slot ${FRAME}`).count()).toBe(1);
  const hostChildren = await page.evaluate(() => [...document.body.children].map((c) => c.className || c.tagName));
  expect(hostChildren).toEqual(['host-bar', 'host-layout', 'SCRIPT']);

  // The host's broad rules did not reach the dashboard; its brand variables did.
  const inside = await frame.locator('html').evaluate(() => {
    const card = getComputedStyle(document.querySelector('.card')!);
    const button = document.querySelector('button');
    const current = document.querySelector('.main-nav a[aria-current="page"]')!;
    return {
      font: getComputedStyle(document.body).fontFamily,
      cardOutline: card.outlineStyle,
      buttonBackground: button ? getComputedStyle(button).backgroundColor : null,
      accent: getComputedStyle(document.documentElement).getPropertyValue('--cb-accent').trim(),
      currentLink: getComputedStyle(current).color,
      base: document.baseURI,
      location: location.pathname + location.search,
    };
  });
  expect(inside.font).not.toContain('Georgia');
  expect(inside.cardOutline).toBe('none');
  expect(inside.buttonBackground).not.toBe('rgb(255, 105, 180)');
  expect(inside.accent).toBe('light-dark(#0b7a4b, #5fd39b)');
  expect(inside.currentLink).toBe('rgb(11, 122, 75)');
  // Served under the base path: the page's base, its address and its links are below it.
  expect(new URL(inside.base).pathname).toBe(APP);
  expect(inside.location).toBe(`${APP.replace(/\/$/, '')}?store=demo&preset=videogen`);
  await expect(frame.getByRole('link', { name: 'Activity' })).toHaveAttribute('href', new RegExp(`^${APP}activity\\?`));

  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: screenshot('embed-mount.png'), fullPage: true });
  await page.setViewportSize({ width: 360, height: 800 });
  await expect(frame.locator('.card').first()).toBeVisible();
  await page.screenshot({ path: screenshot('embed-mount-360.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('the dashboard keeps its place in the host’s query and the host’s hash router keeps working', DEMO_STORE_ONLY, async ({ page }) => {
  const errors = await open(page, '/acme/settings/mount.html?org=acme#/credits');
  const frame = page.frameLocator(FRAME);
  await frame.getByRole('link', { name: 'Activity' }).click();
  await expect(frame.getByTestId('ledger')).toBeVisible();
  await frame.locator('select[data-filter=period]').selectOption('last_7_days');

  // The host's URL: its path, its own parameter and its route untouched, plus the dashboard's.
  await expect.poll(() => new URL(page.url()).searchParams.get('creditboard')).toBe('/activity?period=last_7_days');
  let url = new URL(page.url());
  expect(url.pathname).toBe('/acme/settings/mount.html');
  expect(url.searchParams.get('org')).toBe('acme');
  expect(url.hash).toBe('#/credits');

  // The host's own navigation: its links still go where they say, the dashboard stays put.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Profile' }).click();
  await expect(page.getByRole('heading', { name: 'Profile' })).toBeVisible();
  await expect(page.locator('#credits-slot')).toBeHidden();
  url = new URL(page.url());
  expect(url.hash).toBe('#/profile');
  expect(url.searchParams.get('creditboard')).toBe('/activity?period=last_7_days');
  await page.goBack();
  await expect(page.locator('#credits-slot')).toBeVisible();
  await expect(frame.getByTestId('ledger')).toBeVisible();

  // A reload (or the link shared) opens the same view.
  await page.reload();
  await expect(frame.getByTestId('ledger')).toBeVisible();
  await expect(frame.locator('select[data-filter=period]')).toHaveValue('last_7_days');
  expect(new URL(page.url()).hash).toBe('#/credits');
  expect(errors).toEqual([]);
});

test('<credit-board> in a host that routes by query: the dashboard keeps its place in the fragment', DEMO_STORE_ONLY, async ({ page }) => {
  const errors = await open(page, '/acme/settings/element.html?page=credits');
  const frame = page.frameLocator(`credit-board ${FRAME}`);
  await expect(frame.getByTestId('account-name')).toHaveText(fixture('act3').account.name);
  expect(await hostLook(page)).toMatchObject(HOST_LOOK);
  // The element's shadow root holds the frame and its own style, nothing of the host's.
  const shadow = await page.locator('credit-board').evaluate((el) =>
    [...el.shadowRoot!.children].map((c) => c.tagName),
  );
  expect(shadow).toEqual(['STYLE', 'IFRAME']);

  await frame.getByRole('link', { name: 'Rate card' }).click();
  await expect(frame.getByRole('heading', { name: /rate card/i }).first()).toBeVisible();
  await expect.poll(() => new URLSearchParams(new URL(page.url()).hash.slice(1)).get('cb')).toBe('/rates');
  expect(new URL(page.url()).searchParams.get('page')).toBe('credits');

  // The host's router (pushState on its links, popstate on back) is undisturbed.
  await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Notifications' }).click();
  await expect(page.getByRole('heading', { name: 'Notifications' })).toBeVisible();
  expect(new URL(page.url()).searchParams.get('page')).toBe('notifications');
  await page.goBack();
  await expect(page.getByRole('heading', { name: 'Credits & usage' })).toBeVisible();
  await expect(frame.getByRole('heading', { name: /rate card/i }).first()).toBeVisible();
  await page.screenshot({ path: screenshot('embed-element.png'), fullPage: true });
  expect(errors).toEqual([]);
});

test('a host restyles the dashboard with variables alone, and bad options change nothing', DEMO_STORE_ONLY, async ({ page }) => {
  const errors = await open(page, '/acme/settings/mount.html?theme=dark#/credits');
  const frame = page.frameLocator(FRAME);
  await expect(frame.locator('.card').first()).toBeVisible();
  await expect(frame.locator('html')).toHaveAttribute('data-theme', 'dark');
  const accent = () =>
    frame.locator('.main-nav a[aria-current="page"]').evaluate((a) => getComputedStyle(a).color);
  // The host's light-dark() pair, in its dark half.
  expect(await accent()).toBe('rgb(95, 211, 155)');
  // The host changes its brand colour on the element: the dashboard follows, charts included.
  await page
    .locator('#credits-slot')
    .evaluate((el: HTMLElement) => el.style.setProperty('--cb-accent', 'light-dark(#b00020, #ff8a9a)'));
  await expect.poll(accent).toBe('rgb(255, 138, 154)');
  await page.screenshot({ path: screenshot('embed-dark.png'), fullPage: true });

  // Bad options: a clear TypeError, and the element stays as it was.
  const refusals = await page.evaluate(() => {
    const el = document.createElement('div');
    document.body.append(el);
    const attempts: Record<string, unknown>[] = [
      { preset: 'act3', token: 'secret' },
      { apiBase: 'https://credits.example.com/api' },
      { theme: 'sepia' },
      { theme: { variables: { color: 'red' } } },
      { route: 'path' },
      { locale: 'not a tag' },
      { preset: 'lucas', config: { account: {}, rate_card: {} } },
      { config: { account: {} } },
      { colour: 'green' },
    ];
    const out = attempts.map((options) => {
      try {
        (window as any).Creditboard.mount(el, options);
        return 'mounted';
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
    });
    return { out, children: el.childElementCount };
  });
  expect(refusals.children).toBe(0);
  expect(refusals.out).toEqual([
    'TypeError: Creditboard: token needs apiBase.',
    'TypeError: Creditboard: apiBase needs a token (an embed token from your backend).',
    'TypeError: Creditboard: theme scheme “sepia” is not one of light, dark, auto.',
    'TypeError: Creditboard: “color” is not a --cb- property.',
    'TypeError: Creditboard: route “path” is not one of query, hash, none.',
    'TypeError: Creditboard: locale “not a tag” is not a language tag such as en-US or de-DE.',
    'TypeError: Creditboard: config is the demo’s product: give apiBase, preset or config, only one.',
    'TypeError: Creditboard: config needs its rate_card (an object).',
    'TypeError: Creditboard: “colour” is not an option (app, apiBase, token, preset, config, locale, theme, route, param, title).',
  ]);
  expect(errors).toEqual([]);
});

test('mounted against the reference server on another origin, with an embed token the host asked for', DEMO_STORE_ONLY, async ({ page, request }) => {
  const server = process.env.CB_SERVER_URL;
  test.skip(!server, 'needs the reference server');
  // What a host's backend does: its own credentials (here the demo's member token) buy a
  // short-lived read-only embed token for the account.
  const html = await (await request.get(`${server}/?preset=videogen&session=embed-host`)).text();
  const config = JSON.parse(/window\.creditboardServer = (\{.*?\});<\/script>/.exec(html)![1]);
  const minted = await request.post(`${server}${config.api}/embed-tokens`, {
    headers: { authorization: `Bearer ${config.token}` },
    data: { ttl_seconds: 600 },
  });
  expect(minted.status()).toBe(201);
  const { token } = await minted.json();

  const errors = await open(page, '/acme/settings/mount.html?manual#/credits');
  await page.evaluate(
    ({ app, apiBase, token }) =>
      (window as any).Creditboard.mount(document.getElementById('credits-slot'), { app, apiBase, token, locale: 'de-DE' }),
    { app: `${server}/`, apiBase: `${server}${config.api}`, token },
  );
  const frame = page.frameLocator(FRAME);
  const f = fixture('videogen');
  await expect(frame.getByTestId('account-name')).toHaveText(f.account.name);
  const meter = f.account.meters[0];
  const available = frame.getByTestId(`available-${meter.id}`).locator('.stat-value');
  await expect(available).toBeVisible();
  expect(minorUnits(await available.innerText())).toBe(balance(f, meter.id));
  expect(await available.innerText()).toContain(new Intl.NumberFormat('de-DE').format(balance(f, meter.id)));
  // The token went by message: it is in no URL the frame or the host has.
  expect(page.url()).not.toContain(token);
  expect(await frame.locator('html').evaluate(() => location.href)).not.toContain('token');
  expect(errors).toEqual([]);
});

test('a host’s own product, passed as config, runs on the demo store in the host’s words; a broken one is named', DEMO_STORE_ONLY, async ({ page }) => {
  // The example product of docs/embedding.md: Pixel Forge's "sparks", Upscale at 3 sparks an
  // image, Animate at 2 (HD) or 5 (4K) sparks a second.
  const product = JSON.parse(readFileSync('docs/examples/pixelforge.json', 'utf8'));
  const errors = await open(page, '/acme/settings/mount.html?manual#/credits');
  await page.evaluate(
    ({ app, config }) => {
      (window as any).creditboard = (window as any).Creditboard.mount(document.getElementById('credits-slot'), { app, config });
    },
    { app: APP, config: product },
  );
  const frame = page.frameLocator(FRAME);
  await expect(frame.getByTestId('account-name')).toHaveText('Pixel Forge Studio');
  await expect(frame.getByTestId('demo-product')).toHaveText('The host’s own product');
  await expect(frame.getByTestId('available-sparks').locator('.stat-label')).toHaveText('Sparks left');
  await expect(frame.getByTestId('used-sparks').locator('.stat-label')).toHaveText('Sparks used in the last 30 days');
  await expect(frame.locator('.chart-card h2')).toHaveText('Daily sparks');
  await expect(frame.getByTestId('chart-sparks').locator('canvas').first()).toBeVisible();
  await page.screenshot({ path: screenshot('embed-config-usage.png'), fullPage: true });
  // No frame URL carries the product: it went by message.
  expect(await frame.locator('html').evaluate(() => location.href)).not.toContain('pixelforge');

  await frame.locator('.main-nav a', { hasText: 'Activity' }).click();
  await expect(frame.getByRole('heading', { level: 1 })).toHaveText('Spark history');
  const ledger = frame.getByTestId('ledger');
  await expect(ledger.locator('thead th')).toHaveText(['Date', 'Tool', 'Resolution', 'Team member', 'Sparks', 'Balance after']);
  await expect(frame.getByRole('region', { name: 'Filters' }).locator('label.filter > span')).toHaveText([
    'Date range',
    'Tool',
    'Resolution',
    'Team member',
    'Status',
  ]);
  // Its own tools, priced by its own rate card: Animate in 4K, 5 sparks a second.
  await frame.locator('select[data-filter=feature]').selectOption({ label: 'Animate a still' });
  await frame.locator('select[data-filter=tier]').selectOption({ label: '4K' });
  // Both filters in the URL, and every row the filtered ledger's: the table is read only
  // once the second selection has reached it.
  await expect(page).toHaveURL(/creditboard=[^&#]*feature%3Danimate/);
  await expect(page).toHaveURL(/creditboard=[^&#]*tier%3Duhd/);
  await expect(ledger.locator('tbody tr').first()).toBeVisible();
  await expect(ledger.locator('tbody tr > :nth-child(3)').filter({ hasNotText: '4K' })).toHaveCount(0);
  const rows = await ledger.locator('tbody tr').evaluateAll((trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td, th')].map((c) => (c as HTMLElement).innerText.trim())),
  );
  expect(rows.length).toBeGreaterThan(5);
  let jobs = 0;
  for (const [, tool, resolution, member, sparks] of rows) {
    expect(resolution).toBe('4K');
    expect(['Inès Laurent', 'Tobi Weber']).toContain(member);
    const spent = -minorUnits(sparks);
    // A job: what it cost, or nothing for one that failed and was refunded (its refund is
    // on its row, not a row of its own).
    expect(tool).toBe('Animate a still');
    if (spent > 0) {
      jobs++;
      expect(spent % 5, sparks).toBe(0);
    } else {
      expect(minorUnits(sparks), sparks).toBe(0);
    }
  }
  expect(jobs).toBeGreaterThan(5);
  await page.screenshot({ path: screenshot('embed-config.png'), fullPage: true });
  expect(errors).toEqual([]);

  // <credit-board> with a product that does not hold together: the dashboard says what is wrong.
  await page.evaluate((config) => {
    (window as any).creditboard.unmount();
    config.rate_card.features[0].meter = 'minutes';
    const board = document.createElement('credit-board') as any;
    board.setAttribute('app', (document.querySelector('script[src$="embed.js"]') as HTMLScriptElement).src.replace(/embed\.js$/, ''));
    board.config = config;
    document.getElementById('credits-slot')!.append(board);
  }, product);
  const broken = page.frameLocator(`credit-board ${FRAME}`);
  await expect(broken.getByTestId('error-panel').first()).toContainText('there is no meter “minutes”');
});
