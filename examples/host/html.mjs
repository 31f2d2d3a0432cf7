// HTML with every interpolated value escaped unless it is already `html`, and the page
// around every view: the host's own bar, navigation and look.

const ESCAPES = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

class Html {
  constructor(text) {
    this.text = text;
  }
  toString() {
    return this.text;
  }
}

function part(value) {
  if (value === null || value === undefined || value === false) return '';
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(part).join('');
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

export function html(strings, ...values) {
  let out = strings[0];
  values.forEach((v, i) => {
    out += part(v) + strings[i + 1];
  });
  return new Html(out);
}

/** A value for an inline script: `</script>` and line separators cannot end it early. */
export function scriptValue(value) {
  return new Html(
    JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029'),
  );
}

export const money = (cents, currency) =>
  new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);

export const credits = (n) => `${Number(n).toLocaleString('en-US')} credits`;

/** A time as the account's people read it (its timezone), in a `<time>` element. */
export function when(iso, timeZone) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return html`<span>${iso}</span>`;
  const text = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(d);
  return html`<time datetime="${d.toISOString()}">${text}</time>`;
}

const STYLE = `
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d9dde5; --bg: #f6f7fb;
  --brand: #3346d3; --brand-ink: #fff; --ok: #0f6b3a; --bad: #a3261b; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: var(--ink); background: var(--bg); }
a { color: var(--brand); }
.skip { position: absolute; left: -999px; }
.skip:focus { left: 8px; top: 8px; background: #fff; padding: 4px 8px; z-index: 2; }
.bar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px 20px; padding: 10px 16px;
  background: #fff; border-bottom: 1px solid var(--line); }
.brand { font-weight: 700; color: var(--ink); text-decoration: none; }
.brand span { font-weight: 400; color: var(--muted); }
.bar nav ul, .side ul, .crumbs ol { list-style: none; margin: 0; padding: 0; display: flex; gap: 4px 14px; flex-wrap: wrap; }
.bar nav a, .side a { text-decoration: none; padding: 4px 2px; }
.bar nav a[aria-current], .side a[aria-current] { font-weight: 700; color: var(--ink);
  border-bottom: 2px solid var(--brand); }
.who { margin-left: auto; display: flex; align-items: center; gap: 10px; color: var(--muted); font-size: 14px; }
.who form { margin: 0; }
main { max-width: 1100px; margin: 0 auto; padding: 16px; }
h1 { font-size: 26px; margin: 4px 0 12px; }
h2 { font-size: 19px; margin: 0 0 8px; }
.crumbs { font-size: 14px; color: var(--muted); margin-bottom: 4px; }
.crumbs li + li::before { content: "›"; margin-right: 14px; color: var(--muted); }
.crumbs a[aria-current] { color: var(--ink); text-decoration: none; }
.settings { display: grid; grid-template-columns: 180px minmax(0, 1fr); gap: 20px; }
.side ul { flex-direction: column; }
@media (max-width: 700px) { .settings { grid-template-columns: minmax(0, 1fr); } .side ul { flex-direction: row; } }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 16px; margin-bottom: 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(280px, 1fr)); gap: 16px; }
.muted { color: var(--muted); }
label { display: block; font-weight: 600; margin: 8px 0 4px; }
input, select { font: inherit; padding: 6px 8px; border: 1px solid #9aa3b5; border-radius: 6px; width: 100%; max-width: 240px; }
select { width: auto; max-width: 100%; }
button { font: inherit; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--brand);
  background: #fff; color: var(--brand); cursor: pointer; }
button.primary { background: var(--brand); color: var(--brand-ink); }
button:focus-visible, a:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f2b705; outline-offset: 2px; }
.row { display: flex; flex-wrap: wrap; gap: 8px; align-items: end; margin-top: 12px; }
.ok { color: var(--ok); } .bad { color: var(--bad); }
.answer summary { cursor: pointer; color: var(--brand); }
.answer h3 { font-size: 15px; margin: 12px 0 4px; }
.answer pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 8px;
  overflow-x: auto; font-size: 13px; max-height: 320px; }
/* Narrow screens scroll a table sideways rather than squeeze its columns. */
.table { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; min-width: 620px; font-size: 14px; }
caption { text-align: left; color: var(--muted); padding-bottom: 6px; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
code { font-size: 13px; overflow-wrap: break-word; }
.badge { display: inline-block; padding: 0 8px; border-radius: 10px; font-size: 13px; white-space: nowrap; }
.badge.ok { background: #dff3e7; } .badge.bad { background: #fbe3e0; } .badge.wait { background: #eef0f5; }
.signin { max-width: 520px; margin: 32px auto; }
.signin form { margin: 8px 0; }
.signin button { width: 100%; }
#credits { min-height: 400px; --cb-accent: #3346d3; }
footer { max-width: 1100px; margin: 0 auto; padding: 16px; color: var(--muted); font-size: 13px; }
`;

/** A whole page. `user` is the signed-in member or null; `section` the main navigation's
 *  current item ("jobs" or "settings"). */
export function page({ title, product, user, section, body }) {
  const link = (href, label, name) =>
    html`<li><a href="${href}" ${section === name ? html`aria-current="page"` : ''}>${label}</a></li>`;
  return `<!DOCTYPE html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · ${product.name}</title>
<link rel="icon" href="data:,">
<style>${new Html(STYLE)}</style>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="bar">
  <a class="brand" href="/">Lumen <span>· ${product.account}</span></a>
  ${user
    ? html`<nav aria-label="Main"><ul>${link('/', 'Jobs', 'jobs')}${link('/settings', 'Settings', 'settings')}</ul></nav>
  <div class="who"><span data-testid="signed-in-as">${user.name} (${user.role})</span>
    <form method="post" action="/signout"><button type="submit">Sign out</button></form></div>`
    : ''}
</header>
<main id="main">
${body}
</main>
<footer>Lumen is a sample host product: its credits and usage page is Creditboard's dashboard.</footer>
</body>
</html>`}`;
}

const SETTINGS = [
  ['/settings/credits', 'Credits', 'credits'],
  ['/settings/webhooks', 'Webhooks', 'webhooks'],
  ['/settings/payments', 'Payments log', 'payments'],
];

/** A settings page: the breadcrumb "Settings › <page>", the settings navigation, the body. */
export function settingsPage({ tab, title, body }) {
  const current = SETTINGS.find(([, , name]) => name === tab);
  return html`
<nav class="crumbs" aria-label="Breadcrumb"><ol>
  <li><a href="/settings">Settings</a></li>
  ${current ? html`<li><a href="${current[0]}" aria-current="page">${current[1]}</a></li>` : ''}
</ol></nav>
<div class="settings">
  <nav class="side" aria-label="Settings"><ul>
    ${SETTINGS.map(
      ([href, label, name]) =>
        html`<li><a href="${href}" ${name === tab ? html`aria-current="page"` : ''}>${label}</a></li>`,
    )}
  </ul></nav>
  <div>
    <h1>${title}</h1>
    ${body}
  </div>
</div>`;
}
