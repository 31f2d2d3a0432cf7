// What Creditboard calls on this host: the payment endpoint (a test card processor that
// declines 4.02) and the webhook receiver. Both trust a request only with a valid
// `creditboard-signature`; both keep what they saw in memory.
import { randomBytes } from 'node:crypto';
import { json, readBody, send } from './http.mjs';
import { SIGNATURE_HEADER, sign, verify } from './signature.mjs';

/** The amount (in cents, any currency) the test processor declines. */
export const DECLINED_CENTS = 402;

export function payments({ secret, log }) {
  // Keys are unique within an account, not across accounts: "account\0key" → the charge.
  const charges = new Map();

  const reply = (res, answer) => {
    const body = JSON.stringify(answer);
    send(res, 200, body, { 'content-type': 'application/json', [SIGNATURE_HEADER]: sign(secret, body) });
  };

  async function handle(req, res) {
    const raw = await readBody(req, 64 * 1024);
    const why = verify(secret, req.headers[SIGNATURE_HEADER], raw);
    if (why) {
      log(`payment request refused: ${why}`);
      return json(res, 400, { error: `not trusted: ${why}` });
    }
    let r;
    try {
      r = JSON.parse(raw.toString('utf8'));
    } catch {
      return json(res, 400, { error: 'the body is not JSON' });
    }
    const valid =
      ['charge', 'status'].includes(r?.type) &&
      typeof r.key === 'string' &&
      r.key.length > 0 &&
      typeof r.account === 'string' &&
      r.account.length > 0 &&
      Number.isSafeInteger(r.amount) &&
      r.amount > 0 &&
      typeof r.currency === 'string' &&
      /^[A-Z]{3}$/.test(r.currency);
    if (!valid) return json(res, 400, { error: 'a payment request needs type, key, account, amount and currency' });
    const id = `${r.account}\0${r.key}`;
    let charge = charges.get(id);
    if (r.type === 'status') {
      // A status request never charges.
      if (!charge) return reply(res, { key: r.key, account: r.account, outcome: 'unknown' });
      charge.statuses++;
      return reply(res, charge.answer);
    }
    if (charge) {
      // Charged once: a repeated request (a retry after a lost answer) gets the first answer.
      charge.charges++;
      return reply(res, charge.answer);
    }
    const answer =
      r.amount === DECLINED_CENTS
        ? { key: r.key, account: r.account, outcome: 'declined', reason: 'Your card was declined (test amount 4.02)' }
        : { key: r.key, account: r.account, outcome: 'approved', reference: `ch_${randomBytes(12).toString('hex')}` };
    charge = {
      at: new Date().toISOString(),
      key: r.key,
      account: r.account,
      amount: r.amount,
      currency: r.currency,
      description: String(r.description ?? ''),
      member: typeof r.member === 'string' ? r.member : null,
      answer,
      charges: 1,
      statuses: 0,
    };
    charges.set(id, charge);
    log(`payment ${r.account}/${r.key}: ${r.amount} ${r.currency} ${answer.outcome}`);
    reply(res, answer);
  }

  return { handle, list: () => [...charges.values()].reverse() };
}

export function webhooks({ secret, log }) {
  const events = new Map(); // event id → the event as received
  let rejected = 0;

  async function handle(req, res) {
    const raw = await readBody(req, 1024 * 1024);
    const why = verify(secret, req.headers[SIGNATURE_HEADER], raw);
    if (why) {
      rejected++;
      log(`webhook refused: ${why}`);
      return json(res, 400, { error: `not trusted: ${why}` });
    }
    let e;
    try {
      e = JSON.parse(raw.toString('utf8'));
    } catch {
      return json(res, 400, { error: 'the body is not JSON' });
    }
    const header = req.headers['creditboard-event-id'];
    if (typeof e?.id !== 'string' || typeof e.type !== 'string' || (header && header !== e.id)) {
      return json(res, 400, { error: 'an event needs an id (the same as its creditboard-event-id header) and a type' });
    }
    const seen = events.get(e.id);
    if (seen) {
      // A redelivery (our answer was lost, say): acknowledged again, handled once.
      seen.deliveries++;
      return json(res, 200, { received: true, duplicate: true });
    }
    events.set(e.id, {
      id: e.id,
      type: e.type,
      account: e.account,
      createdAt: e.created_at,
      data: e.data,
      receivedAt: new Date().toISOString(),
      deliveries: 1,
    });
    log(`webhook ${e.type} ${e.id}`);
    json(res, 200, { received: true });
  }

  return { handle, list: () => [...events.values()].reverse(), rejected: () => rejected };
}
