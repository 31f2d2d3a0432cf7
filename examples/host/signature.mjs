// The `creditboard-signature` scheme both ways of the payment endpoint and the webhooks use:
// `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>`.
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'creditboard-signature';
/** How far a signature's time may be from ours: older ones could be replays. */
export const TOLERANCE_SECONDS = 300;

const now = () => Math.floor(Date.now() / 1000);

function mac(secret, t, body) {
  return createHmac('sha256', secret).update(`${t}.`).update(body).digest();
}

/** The header value for `body` (a string or the raw bytes sent). */
export function sign(secret, body, t = now()) {
  return `t=${t},v1=${mac(secret, t, body).toString('hex')}`;
}

/** `null` when `header` signs `body` with `secret` within the tolerance, else why not. */
export function verify(secret, header, body, at = now()) {
  if (!header) return 'it is not signed';
  let t = null;
  const given = [];
  for (const part of String(header).split(',')) {
    const [name, value = ''] = part.trim().split('=', 2);
    if (name === 't' && /^\d{1,12}$/.test(value)) t = Number(value);
    // A sender rotating its secret may send several v1 signatures: any one may match.
    if (name === 'v1' && /^[0-9a-f]{64}$/i.test(value)) given.push(Buffer.from(value, 'hex'));
  }
  if (t === null || given.length === 0) return 'the signature header is malformed';
  if (Math.abs(at - t) > TOLERANCE_SECONDS) return 'the signature is too old or from the future';
  const expected = mac(secret, t, body);
  // Constant time, so the comparison leaks nothing of the expected value.
  return given.some((g) => timingSafeEqual(g, expected)) ? null : 'the signature does not match';
}
