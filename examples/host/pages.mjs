// The host's views: sign-in, jobs, and the settings pages (credits, webhooks, payments).
import { credits, html, money, scriptValue, settingsPage, when } from './html.mjs';

export function signIn({ members }) {
  return html`
<div class="signin card">
  <h1>Sign in</h1>
  <p class="muted">A sample sign-in: pick who you are. Each is a member of the team's Creditboard account.</p>
  ${members.map(
    (m) => html`
  <form method="post" action="/signin">
    <input type="hidden" name="member" value="${m.id}">
    <button type="submit" class="primary">Sign in as ${m.name.split(' ')[0]} (${m.role})</button>
  </form>`,
  )}
</div>`;
}

const STATUS = {
  running: ['wait', 'Running (credits held)'],
  done: ['ok', 'Done'],
  released: ['bad', 'Failed (hold released)'],
  refused: ['bad', 'Refused'],
  error: ['bad', 'Error'],
};

function statusBadge(status) {
  const [tone, label] = STATUS[status] ?? ['wait', status];
  return html`<span class="badge ${tone}">${label}</span>`;
}

/** What the API answered for each call a job made. */
function answers(job) {
  return html`
<section class="card answer" aria-labelledby="last-job">
  <h2 id="last-job">Your last job: ${job.title}</h2>
  <p role="status" data-testid="job-outcome" class="${job.status === 'refused' || job.status === 'error' ? 'bad' : 'ok'}">${job.message}</p>
  ${job.steps.length
    ? html`<details>
    <summary>What the API answered (${job.steps.map((s) => `${s.status}`).join(', ')})</summary>
    ${job.steps.map(
      (s) => html`
    <h3>${s.call} → ${s.status}</h3>
    <pre tabindex="0">${JSON.stringify(s.body, null, 2)}</pre>`,
    )}
  </details>`
    : ''}
  ${job.status === 'running' ? html`<p><a href="/">Refresh</a> to see it finish.</p>` : ''}
</section>`;
}

export function jobs({ user, rates, lastJob, recent, timeZone }) {
  return html`
<h1>Jobs</h1>
<p class="muted">Each job reports what it used to Creditboard with the host's token, as ${user.name}.
  See what is left under <a href="/settings/credits">Settings › Credits</a>.</p>
${lastJob ? answers(lastJob) : ''}
<div class="grid">
  <section class="card" aria-labelledby="quick">
    <h2 id="quick">Upscale images</h2>
    <p class="muted">A quick job: charged at once (<code>POST …/usage</code>), ${credits(rates.upscale)} an image.</p>
    <form method="post" action="/jobs/upscale">
      <label for="images">Images</label>
      <input id="images" name="images" type="number" min="1" max="1000" value="2" required>
      <div class="row"><button type="submit" class="primary">Run quick job</button></div>
    </form>
  </section>
  <section class="card" aria-labelledby="long">
    <h2 id="long">Render a clip</h2>
    <p class="muted">A long job: its cost is held (<code>POST …/holds</code>) while it runs, then captured, or
      released if it fails. ${credits(rates.render)} a second.</p>
    <form method="post" action="/jobs/render">
      <label for="seconds">Seconds of video</label>
      <input id="seconds" name="seconds" type="number" min="1" max="3600" value="10" required>
      <label for="outcome">The render</label>
      <select id="outcome" name="outcome">
        <option value="complete">completes (capture the hold)</option>
        <option value="fail">fails (release the hold)</option>
      </select>
      <div class="row"><button type="submit" class="primary">Start long job</button></div>
    </form>
  </section>
</div>
<section class="card" aria-labelledby="recent">
  <h2 id="recent">Recent jobs</h2>
  ${recent.length === 0
    ? html`<p class="muted">No jobs yet.</p>`
    : html`<div class="table" tabindex="0" role="region" aria-label="Recent jobs"><table>
    <thead><tr><th scope="col">Started</th><th scope="col">Job</th><th scope="col">Who</th><th scope="col" class="num">Credits</th><th scope="col">Status</th><th scope="col">What the API said</th></tr></thead>
    <tbody>${recent.map(
      (j) => html`<tr><td>${when(j.startedAt, timeZone)}</td><td>${j.title}<br><code>${j.id}</code></td><td>${j.memberName}</td>
      <td class="num">${j.cost.toLocaleString('en-US')}</td><td>${statusBadge(j.status)}</td><td>${j.message}</td></tr>`,
    )}</tbody></table></div>`}
</section>`;
}

export function settingsHome() {
  return settingsPage({
    tab: null,
    title: 'Settings',
    body: html`
<div class="grid">
  <section class="card"><h2><a href="/settings/credits">Credits</a></h2>
    <p class="muted">Your team's credits: balance, usage, activity, buying credits and top-ups.</p></section>
  <section class="card"><h2><a href="/settings/webhooks">Webhooks</a></h2>
    <p class="muted">What Creditboard told this host: purchases, top-ups, alerts.</p></section>
  <section class="card"><h2><a href="/settings/payments">Payments log</a></h2>
    <p class="muted">Charges the host's payment endpoint took or declined.</p></section>
</div>`,
  });
}

/** The dashboard, mounted with a member session minted for the signed-in user. */
export function creditsPage({ server, apiBase, session, problem }) {
  const body = problem
    ? html`<p class="card bad" role="alert">The credits page cannot be shown: ${problem}</p>`
    : html`
<p class="muted">Balance, usage and activity of your team's credits.</p>
<div id="credits" data-testid="credits-slot"></div>
<script src="${server}/embed.js"></script>
<script>
  // The member session goes to the dashboard by message (Creditboard.mount), never in a URL.
  Creditboard.mount(document.getElementById('credits'), {
    apiBase: ${scriptValue(apiBase)},
    token: ${scriptValue(session.token)},
  });
</script>`;
  return settingsPage({ tab: 'credits', title: 'Credits', body });
}

const AMOUNTS = new Set(['amount', 'balance', 'threshold']);

/** A line about an event's data: its plain fields, amounts as credits, members by name. */
function summary(data, memberName) {
  if (!data || typeof data !== 'object') return '';
  const parts = [];
  for (const [k, v] of Object.entries(data)) {
    if (k === 'type' || k === 'at' || v === null || v === undefined) continue;
    if (typeof v === 'object' && Number.isInteger(v.cents) && typeof v.currency === 'string') {
      parts.push(`${k}: ${money(v.cents, v.currency)}`);
    } else if (AMOUNTS.has(k) && Number.isInteger(v)) {
      parts.push(`${k}: ${credits(v)}`);
    } else if (k === 'member' && typeof v === 'string') {
      parts.push(`member: ${memberName(v)}`);
    } else if (typeof v !== 'object') {
      parts.push(`${k}: ${v}`);
    }
  }
  return parts.slice(0, 8).join(' · ');
}

export function webhooksPage({ endpoint, registration, events, rejected, memberName, timeZone }) {
  return settingsPage({
    tab: 'webhooks',
    title: 'Webhooks',
    body: html`
<section class="card">
  <h2>Endpoint</h2>
  <p><code>${endpoint}</code>:
    ${registration.ok
      ? html`<span class="ok" data-testid="webhook-registration">registered (${registration.status})</span>`
      : html`<span class="bad" data-testid="webhook-registration">not registered: ${registration.message}</span>`}</p>
  <p class="muted">Each delivery's <code>creditboard-signature</code> is checked with this host's secret; unsigned,
    badly signed or stale deliveries are refused (${rejected} so far). A redelivered event is acknowledged once more and counted once.</p>
</section>
<section class="card">
  <h2>Received events</h2>
  ${events.length === 0
    ? html`<p class="muted" data-testid="no-events">No events yet. They arrive within seconds of what caused them.</p>`
    : html`<div class="table" tabindex="0" role="region" aria-label="Received events"><table data-testid="webhook-events">
    <caption>Newest first</caption>
    <thead><tr><th scope="col">Received</th><th scope="col">Type</th><th scope="col">Event</th><th scope="col">Created</th><th scope="col">Data</th><th scope="col">Signature</th></tr></thead>
    <tbody>${events.map(
      (e) => html`<tr data-type="${e.type}"><td>${when(e.receivedAt, timeZone)}</td><td><code>${e.type}</code></td>
      <td><code>${e.id}</code>${e.deliveries > 1 ? html`<br><span class="muted">delivered ${e.deliveries} times</span>` : ''}</td>
      <td>${when(e.createdAt, timeZone)}</td><td>${summary(e.data, memberName)}</td>
      <td><span class="badge ok">signature verified</span></td></tr>`,
    )}</tbody></table></div>`}
</section>`,
  });
}

export function paymentsPage({ charges, memberName, timeZone }) {
  return settingsPage({
    tab: 'payments',
    title: 'Payments log',
    body: html`
<p class="muted">The test card processor behind <code>POST /payments</code>: it approves every charge except
  ${money(402, 'EUR')} (any currency's 4.02), which it declines. Each account's key is charged once; a repeated
  request gets the first answer.</p>
<section class="card">
  <h2>Charges</h2>
  ${charges.length === 0
    ? html`<p class="muted" data-testid="no-charges">No charges yet.</p>`
    : html`<div class="table" tabindex="0" role="region" aria-label="Charges"><table data-testid="charges">
    <caption>Newest first</caption>
    <thead><tr><th scope="col">Charged</th><th scope="col">What</th><th scope="col">Member</th><th scope="col" class="num">Amount</th><th scope="col">Outcome</th><th scope="col">Requests</th></tr></thead>
    <tbody>${charges.map(
      (c) => html`<tr data-outcome="${c.answer.outcome}"><td>${when(c.at, timeZone)}</td>
      <td>${c.description}<br><code>${c.account} / ${c.key}</code></td>
      <td>${c.member ? memberName(c.member) : html`<span class="muted">—</span>`}</td>
      <td class="num">${money(c.amount, c.currency)}</td>
      <td>${c.answer.outcome === 'approved'
        ? html`<span class="badge ok">approved</span> <code>${c.answer.reference}</code>`
        : html`<span class="badge bad">declined</span> ${c.answer.reason}`}</td>
      <td>${c.charges} charge${c.charges === 1 ? '' : 's'}${c.statuses ? html`, ${c.statuses} status` : ''}</td></tr>`,
    )}</tbody></table></div>`}
</section>`,
  });
}

export function adminsOnly({ tab, title, admins }) {
  return settingsPage({ tab, title, body: html`<p class="card" role="alert">Only team admins see this page — ask ${admins}.</p>` });
}

export function message(title, text) {
  return html`<h1>${title}</h1><p>${text}</p><p><a href="/">Back to the jobs</a></p>`;
}
