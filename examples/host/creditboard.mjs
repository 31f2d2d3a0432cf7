// What this host's backend asks the Creditboard API, always with its server-wide host token.
// The token never reaches a browser: pages get a member session minted for whoever is
// signed in.

/** How long one API request may take before the host gives up on it. */
const TIMEOUT_MS = 15_000;

export class Creditboard {
  constructor({ server, token, account }) {
    this.server = server.replace(/\/+$/, '');
    this.token = token;
    this.account = account;
  }

  /** The account's API, as the dashboard is told it. */
  get apiBase() {
    return `${this.server}/api/v1/accounts/${encodeURIComponent(this.account)}`;
  }

  /** `{status, ok, body, message}`: `message` is the API's own error text when refused.
   *  A network failure throws. */
  async call(method, path, body) {
    const response = await fetch(`${this.server}/api/v1${path}`, {
      method,
      headers: {
        authorization: `Bearer ${this.token}`,
        accept: 'application/json',
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    const text = await response.text();
    let json = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON (a proxy's error page): the status and the text say enough.
    }
    const message = response.ok ? null : (json?.error?.message ?? `${response.status} ${text.slice(0, 200)}`);
    return { status: response.status, ok: response.ok, body: json, message, code: json?.error?.code ?? null };
  }

  accountPath(path) {
    return `/accounts/${encodeURIComponent(this.account)}${path}`;
  }

  /** Creates the account, or finds it as it is: 201 new, 200 the same, 409 a different one. */
  provision(product) {
    return this.call('POST', '/accounts', product);
  }

  /** 201 registered, 200 this URL was already. */
  registerWebhook(url, secret) {
    return this.call('POST', this.accountPath('/webhooks'), { url, secret });
  }

  /** A token for one member, for the dashboard this member sees: `{token, member, expires_at}`. */
  mintSession(member, expiresIn) {
    return this.call('POST', this.accountPath('/sessions'), { member, expires_in: expiresIn });
  }

  /** One usage event, charged at once. */
  usage(event) {
    return this.call('POST', this.accountPath('/usage'), { events: [event] });
  }

  hold(request) {
    return this.call('POST', this.accountPath('/holds'), request);
  }

  capture(hold, request) {
    return this.call('POST', this.accountPath(`/holds/${hold}/capture`), request);
  }

  release(hold, request) {
    return this.call('POST', this.accountPath(`/holds/${hold}/release`), request);
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Calls `attempt` until it answers something other than a network failure or a 5xx: the
 *  Creditboard server may still be starting (or restarting) when the host does. */
export async function retrying(what, attempt, { tries = 30, pause = 1000, log = console.error } = {}) {
  for (let i = 1; ; i++) {
    let reason;
    try {
      const answer = await attempt();
      if (answer.status < 500) return answer;
      reason = `${answer.status}: ${answer.message}`;
    } catch (e) {
      reason = e.cause?.code ?? e.message;
    }
    if (i >= tries) throw new Error(`${what} failed ${tries} times, last: ${reason}`);
    log(`${what}: ${reason}; trying again in ${pause / 1000} s (${i}/${tries})`);
    await sleep(pause);
  }
}
