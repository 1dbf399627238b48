import { Agent, request as httpRequest } from 'node:http';
import { performance } from 'node:perf_hooks';

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** Time from sending to the last byte, ms. */
  ms: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request on a keep-alive connection, as a client of the API would send it. */
export function send(
  base: string,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; json?: unknown } = {},
): Promise<Reply> {
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers: Record<string, string> = { ...options.headers };
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(body));
  }
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = httpRequest(`${base}${path}`, { method, headers, agent }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (data += c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, ms: performance.now() - started }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function expectStatus(reply: Promise<Reply>, status: number, what: string): Promise<Reply> {
  const r = await reply;
  if (r.status !== status)
    throw new Error(`bench: ${what} answered ${r.status}, expected ${status}: ${r.body.slice(0, 300)}`);
  return r;
}

export const PASSWORD = 'bench password, long enough';

export async function register(base: string, email: string, password = PASSWORD): Promise<string> {
  const r = await expectStatus(
    send(base, 'POST', '/users', { json: { email, password } }),
    201,
    `POST /users ${email}`,
  );
  return (JSON.parse(r.body) as { id: string }).id;
}

export interface JwtLogin {
  accessToken: string;
  refreshToken: string;
  reply: Reply;
}

export async function loginJwt(base: string, email: string, password = PASSWORD): Promise<JwtLogin> {
  const reply = await expectStatus(
    send(base, 'POST', '/auth/jwt/login', { json: { email, password } }),
    200,
    'POST /auth/jwt/login',
  );
  const body = JSON.parse(reply.body) as { accessToken: string; refreshToken: string };
  return { accessToken: body.accessToken, refreshToken: body.refreshToken, reply };
}

export interface SessionLogin {
  /** `name=value` of the session cookie, as a client sends it back. */
  cookie: string;
  csrfToken: string;
  reply: Reply;
}

export function setCookieLines(reply: Reply): string[] {
  const raw = reply.headers['set-cookie'];
  return Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : [];
}

export async function loginSession(base: string, email: string, password = PASSWORD): Promise<SessionLogin> {
  const reply = await expectStatus(
    send(base, 'POST', '/auth/session/login', { json: { email, password } }),
    200,
    'POST /auth/session/login',
  );
  const pair = setCookieLines(reply)
    .map((line) => line.split(';')[0]!.trim())
    .find((p) => p.startsWith('sid=') || p.startsWith('__Host-sid='));
  if (!pair) throw new Error('bench: session login set no session cookie');
  return { cookie: pair, csrfToken: (JSON.parse(reply.body) as { csrfToken: string }).csrfToken, reply };
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
export const cookie = (pair: string): Record<string, string> => ({ cookie: pair });

/** One header line's size on the wire: `Name: value` and its CRLF. */
export const headerBytes = (name: string, value: string): number => Buffer.byteLength(`${name}: ${value}\r\n`);
