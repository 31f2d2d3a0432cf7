// Lumen, a sample host product adopting Creditboard: it provisions its team's account, signs
// its users in, reports their jobs' usage, shows the dashboard under Settings › Credits with a
// member session, takes payments for the credits bought there and receives webhooks.
// Node 20, no dependencies. README.md beside this file says how to run it.
import { createServer } from 'node:http';
import { randomBytes, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Creditboard, retrying } from './creditboard.mjs';
import { page } from './html.mjs';
import { cookie, readForm, redirect, sameOrigin, send, text } from './http.mjs';
import * as views from './pages.mjs';
import { payments, webhooks } from './receivers.mjs';

const log = (...args) => console.error('[host]', ...args);

function config(env) {
  const problems = [];
  const need = (name, check = (v) => v.length > 0, why = 'is required') => {
    const v = env[name] ?? '';
    if (!check(v)) problems.push(`${name} ${why}`);
    return v;
  };
  const longEnough = (v) => v.length >= 16;
  const c = {
    port: Number(env.PORT ?? 3000),
    server: need('CB_SERVER', (v) => /^https?:\/\/[^/]+/.test(v), 'must be the Creditboard server’s URL, e.g. http://127.0.0.1:8080'),
    hostToken: need('CB_HOST_TOKEN'),
    paymentSecret: need('CB_PAYMENT_SECRET', longEnough, 'must be at least 16 characters'),
    webhookSecret: need('CB_WEBHOOK_SECRET', longEnough, 'must be at least 16 characters'),
  };
  if (!Number.isInteger(c.port) || c.port < 0 || c.port > 65535) problems.push('PORT must be a port number (0: any)');
  if (problems.length) {
    console.error(`sample host: ${problems.join('; ')}`);
    process.exit(2);
  }
  c.server = c.server.replace(/\/+$/, '');
  return c;
}

const settings = config(process.env);
const product = JSON.parse(readFileSync(fileURLToPath(new URL('./account.json', import.meta.url)), 'utf8'));
const account = product.account;
const meter = account.meters[0].id;
const cb = new Creditboard({ server: settings.server, token: settings.hostToken, account: account.id });
const look = { name: 'Lumen', account: account.name };
const timeZone = account.timezone;

/** Credits a job of `quantity` costs: the rate card's price, rounded up as Creditboard does. */
function cost(feature, quantity) {
  const f = product.rate_card.features.find((x) => x.id === feature);
  const { amount, per } = f.prices[0].price;
  return Math.ceil((amount * quantity) / per);
}

// In memory: a restart forgets them (a real host keeps them in its database).
const sessions = new Map(); // cookie → { member, lastJob, dashboard: {token, expires_at} }
const jobs = []; // newest first
const payment = payments({ secret: settings.paymentSecret, log });
const inbox = webhooks({ secret: settings.webhookSecret, log });
let registration = { ok: false, status: null, message: 'not attempted yet' };
let origin = '';

const SESSION_COOKIE = 'lumen_session';
/** Seconds a member session for the dashboard lives; a fresh one is minted before it ends. */
const DASHBOARD_SESSION_SECONDS = 3600;
/** How long a render "runs" between its hold and its capture. */
const RENDER_MS = 3000;

const member = (id) => account.members.find((m) => m.id === id) ?? null;
const memberName = (id) => member(id)?.name ?? id;

function signedIn(req) {
  const id = cookie(req, SESSION_COOKIE);
  const session = id ? sessions.get(id) : null;
  return session ? { session, user: member(session.member) } : { session: null, user: null };
}

const view = (res, user, section, title, body, status = 200) =>
  send(res, status, page({ title, product: look, user, section, body }));

// ── Sign-in ──

async function signInPost(req, res) {
  const form = await readForm(req);
  const who = member(form.get('member'));
  if (!who) return view(res, null, null, 'Sign in', views.message('Sign in', 'There is no such user.'), 400);
  sessions.delete(cookie(req, SESSION_COOKIE));
  const id = randomBytes(24).toString('base64url');
  sessions.set(id, { member: who.id, lastJob: null, dashboard: null });
  redirect(res, '/', { 'set-cookie': `${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax` });
}

function signOut(req, res) {
  sessions.delete(cookie(req, SESSION_COOKIE));
  redirect(res, '/', { 'set-cookie': `${SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0` });
}

// ── Jobs: usage reported with the host token, as the signed-in member ──

function newJob(session, title, qty, feature) {
  const job = {
    id: `job-${randomUUID()}`,
    title,
    member: session.member,
    memberName: memberName(session.member),
    cost: cost(feature, qty),
    status: 'running',
    message: '',
    steps: [],
    startedAt: new Date().toISOString(),
  };
  jobs.unshift(job);
  jobs.length = Math.min(jobs.length, 50);
  session.lastJob = job;
  return job;
}

function step(job, call, answer) {
  job.steps.push({ call, status: answer.status, body: answer.body });
}

async function quickJob(req, res, session) {
  const form = await readForm(req);
  const images = Math.max(1, Math.min(1000, Number.parseInt(form.get('images'), 10) || 1));
  const job = newJob(session, `Upscale ${images} image${images === 1 ? '' : 's'}`, images, 'upscale');
  try {
    const answer = await cb.usage({
      key: job.id,
      meter,
      amount: job.cost,
      usage: {
        feature: 'upscale',
        category: 'images',
        quantity: { amount: images, unit: 'image' },
        member: session.member,
        description: job.title,
      },
    });
    step(job, 'POST …/usage', answer);
    const result = answer.body?.results?.[0];
    if (!answer.ok) Object.assign(job, { status: 'error', message: answer.message });
    else if (result?.error) Object.assign(job, { status: 'refused', message: `Refused: ${result.error.message}` });
    else
      Object.assign(job, {
        status: 'done',
        message: `Charged ${job.cost.toLocaleString('en-US')} credits; ${result.balance_after.toLocaleString('en-US')} left.`,
      });
  } catch (e) {
    Object.assign(job, { status: 'error', message: `Creditboard did not answer: ${e.message}` });
  }
  redirect(res, '/');
}

async function renderJob(req, res, session) {
  const form = await readForm(req);
  const seconds = Math.max(1, Math.min(3600, Number.parseInt(form.get('seconds'), 10) || 1));
  const fails = form.get('outcome') === 'fail';
  const job = newJob(session, `Render a ${seconds} s clip`, seconds, 'render');
  try {
    const answer = await cb.hold({
      key: `${job.id}-hold`,
      meter,
      amount: job.cost,
      // Longer than any render takes: Creditboard releases a forgotten hold by itself then.
      expires_in: 3600,
      usage: {
        feature: 'render',
        category: 'video',
        quantity: { amount: seconds, unit: 'second' },
        member: session.member,
        description: job.title,
      },
    });
    step(job, 'POST …/holds', answer);
    const hold = answer.body?.entries?.find((e) => e.kind === 'hold');
    if (!answer.ok || !hold) {
      const refused = answer.status === 422;
      Object.assign(job, { status: refused ? 'refused' : 'error', message: `${refused ? 'Refused' : 'Failed'}: ${answer.message ?? 'no hold'}` });
    } else {
      job.message = `Holding ${job.cost.toLocaleString('en-US')} credits while it renders.`;
      setTimeout(() => finishRender(job, hold.id, fails), RENDER_MS);
    }
  } catch (e) {
    Object.assign(job, { status: 'error', message: `Creditboard did not answer: ${e.message}` });
  }
  redirect(res, '/');
}

/** Captures or releases the hold, retrying under the same key if Creditboard is unreachable. */
async function finishRender(job, hold, fails) {
  const [call, attempt] = fails
    ? [`POST …/holds/${hold}/release`, () => cb.release(hold, { key: `${job.id}-release`, status: 'failed' })]
    : [`POST …/holds/${hold}/capture`, () => cb.capture(hold, { key: `${job.id}-capture`, amount: job.cost })];
  try {
    const answer = await retrying(call, attempt, { tries: 5, log });
    step(job, call, answer);
    if (!answer.ok) Object.assign(job, { status: 'error', message: answer.message });
    else if (fails) Object.assign(job, { status: 'released', message: 'The render failed; its hold was released: nothing charged.' });
    else {
      const entry = answer.body.entries.find((e) => e.kind === 'hold_capture') ?? answer.body.entries.at(-1);
      Object.assign(job, {
        status: 'done',
        message: `Captured ${job.cost.toLocaleString('en-US')} credits; ${entry.balance_after.toLocaleString('en-US')} left.`,
      });
    }
  } catch (e) {
    Object.assign(job, { status: 'error', message: e.message });
  }
}

// ── Settings › Credits: a member session for whoever is signed in ──

async function dashboardSession(session) {
  const fresh = session.dashboard && Date.parse(session.dashboard.expires_at) - Date.now() > 10 * 60_000;
  if (fresh) return { session: session.dashboard };
  const answer = await cb.mintSession(session.member, DASHBOARD_SESSION_SECONDS);
  if (!answer.ok) return { problem: answer.message };
  session.dashboard = answer.body;
  return { session: answer.body };
}

async function creditsPage(res, session, user) {
  let minted;
  try {
    minted = await dashboardSession(session);
  } catch (e) {
    minted = { problem: `Creditboard did not answer (${e.message}).` };
  }
  const body = views.creditsPage({ server: settings.server, apiBase: cb.apiBase, ...minted });
  view(res, user, 'settings', 'Credits', body);
}

// ── Routes ──

async function route(req, res) {
  const url = new URL(req.url, 'http://host');
  const path = url.pathname;
  const method = req.method;
  // Machine endpoints: authenticated by their signatures, not by a session.
  if (method === 'POST' && path === '/payments') return payment.handle(req, res);
  if (method === 'POST' && path === '/webhooks') return inbox.handle(req, res);

  // Forms post only from this host's own pages (with SameSite=Lax cookies, against CSRF).
  if (method === 'POST' && !sameOrigin(req)) return text(res, 403, 'Cross-site form posts are refused.');
  if (method === 'POST' && path === '/signin') return signInPost(req, res);
  if (method === 'POST' && path === '/signout') return signOut(req, res);

  const { session, user } = signedIn(req);
  if (method === 'GET' && path === '/') {
    if (!user) return view(res, null, null, 'Sign in', views.signIn({ members: account.members }));
    const rates = { upscale: cost('upscale', 1), render: cost('render', 1) };
    return view(res, user, 'jobs', 'Jobs', views.jobs({ user, rates, lastJob: session.lastJob, recent: jobs, timeZone }));
  }
  if (!user) return method === 'GET' ? redirect(res, '/') : text(res, 401, 'Sign in first.');
  if (method === 'POST' && path === '/jobs/upscale') return quickJob(req, res, session);
  if (method === 'POST' && path === '/jobs/render') return renderJob(req, res, session);
  if (method === 'GET' && path === '/settings') return view(res, user, 'settings', 'Settings', views.settingsHome());
  if (method === 'GET' && path === '/settings/credits') return creditsPage(res, session, user);
  if (method === 'GET' && path === '/payments-log') return redirect(res, '/settings/payments');
  if (method === 'GET' && (path === '/settings/webhooks' || path === '/settings/payments')) {
    const [tab, title] = path.endsWith('webhooks') ? ['webhooks', 'Webhooks'] : ['payments', 'Payments log'];
    if (user.role !== 'admin') {
      return view(res, user, 'settings', title, views.adminsOnly({ tab, title, admins: adminNames() }), 403);
    }
    const body = tab === 'webhooks'
      ? views.webhooksPage({
          endpoint: `${origin}/webhooks`,
          registration,
          events: inbox.list(),
          rejected: inbox.rejected(),
          memberName,
          timeZone,
        })
      : views.paymentsPage({ charges: payment.list(), memberName, timeZone });
    return view(res, user, 'settings', title, body);
  }
  view(res, user, null, 'Not found', views.message('Not found', `There is no page ${path}.`), 404);
}

const adminNames = () =>
  account.members
    .filter((m) => m.role === 'admin')
    .map((m) => m.name)
    .join(' or ');

const server = createServer((req, res) => {
  route(req, res).catch((e) => {
    log(`${req.method} ${req.url}: ${e.stack ?? e}`);
    if (!res.headersSent) text(res, e.status ?? 500, 'Something went wrong.');
  });
});

// ── Start: listen (the webhook URL needs the port), provision, register, then say so ──

async function provision() {
  const created = await retrying(`provisioning account “${account.id}”`, () => cb.provision(product), { log });
  if (created.status === 201) log(`account “${account.id}” created`);
  else if (created.status === 200) log(`account “${account.id}” already exists as configured`);
  else if (created.status === 409) log(`account “${account.id}” exists with another configuration, kept as it is: ${created.message}`);
  else throw new Error(`provisioning account “${account.id}” was refused (${created.status}): ${created.message}`);

  const endpoint = `${origin}/webhooks`;
  try {
    const answer = await retrying('registering the webhook endpoint', () => cb.registerWebhook(endpoint, settings.webhookSecret), { log });
    registration = { ok: answer.ok, status: answer.status, message: answer.message };
    if (answer.ok) log(`webhook endpoint ${endpoint} ${answer.status === 201 ? 'registered' : 'already registered'}`);
    else log(`webhook endpoint not registered (${answer.status}): ${answer.message}`);
  } catch (e) {
    registration = { ok: false, status: null, message: e.message };
    log(e.message);
  }
}

server.on('error', (e) => {
  console.error(`sample host: cannot listen on 127.0.0.1:${settings.port}: ${e.message}`);
  process.exit(1);
});

server.listen(settings.port, '127.0.0.1', async () => {
  origin = `http://127.0.0.1:${server.address().port}`;
  try {
    await provision();
  } catch (e) {
    console.error(`sample host: ${e.message}`);
    process.exit(1);
  }
  console.log(`Sample host on ${origin}/`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => process.exit(0));
