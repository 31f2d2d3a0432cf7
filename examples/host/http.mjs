// Small HTTP helpers over node:http.

/** The raw body, refused past `limit` bytes (signatures are checked over these bytes). */
export function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error('the body is too large'), { status: 413 }));
        req.destroy();
      } else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

export async function readForm(req) {
  return new URLSearchParams((await readBody(req, 8192)).toString('utf8'));
}

export function send(res, status, body, headers = {}) {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'cache-control': 'no-store',
    ...headers,
  });
  res.end(body);
}

export const json = (res, status, value, headers = {}) =>
  send(res, status, JSON.stringify(value), { 'content-type': 'application/json', ...headers });

export const text = (res, status, value) => send(res, status, value, { 'content-type': 'text/plain; charset=utf-8' });

export const redirect = (res, to, headers = {}) => send(res, 303, '', { location: to, ...headers });

export function cookie(req, name) {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return v.join('=');
  }
  return null;
}

/** Whether a form post comes from a page of this host (a defence against CSRF besides
 *  SameSite=Lax cookies). Requests without an Origin header (not from a browser) pass. */
export function sameOrigin(req) {
  if (!req.headers.origin) return true;
  try {
    return new URL(req.headers.origin).host === req.headers.host;
  } catch {
    return false;
  }
}
