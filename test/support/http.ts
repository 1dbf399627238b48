import { randomUUID } from 'node:crypto';
import request, { type Response } from 'supertest';
import type { App } from 'supertest/types.js';

export const PASSWORD = 'correct horse battery staple';

/** The `name=value` pairs a response sets, by cookie name. */
export function setCookies(res: Response): Record<string, { pair: string; value: string; attributes: string }> {
  const raw = res.headers['set-cookie'] as unknown;
  const list = Array.isArray(raw) ? (raw as string[]) : typeof raw === 'string' ? [raw] : [];
  const out: Record<string, { pair: string; value: string; attributes: string }> = {};
  for (const line of list) {
    const [pair = '', ...attrs] = line.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq).trim()] = { pair: pair.trim(), value: pair.slice(eq + 1), attributes: attrs.join(';') };
  }
  return out;
}

export async function register(
  http: App,
  email = `u-${randomUUID()}@example.com`,
  password = PASSWORD,
): Promise<{ id: string; email: string; password: string }> {
  const res = await request(http).post('/users').send({ email, password }).expect(201);
  return { id: (res.body as { id: string }).id, email, password };
}

export interface CookieLogin {
  cookie: string;
  csrfToken: string;
  body: { user: { id: string }; csrfToken: string; expiresAt: string };
}

export async function sessionLogin(
  http: App,
  email: string,
  password = PASSWORD,
  extra: Record<string, string> = {},
): Promise<CookieLogin> {
  const res = await request(http).post('/auth/session/login').set(extra).send({ email, password }).expect(200);
  const cookies = setCookies(res);
  const name = Object.keys(cookies).find((n) => n === 'sid' || n === '__Host-sid');
  if (!name) throw new Error(`no session cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  const body = res.body as CookieLogin['body'];
  return { cookie: cookies[name]!.pair, csrfToken: body.csrfToken, body };
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
  expiresIn: number;
  refreshExpiresIn: number;
}

/** A JWT login: the token pair, and the refresh cookie as a `Cookie` header value. */
export async function jwtLogin(
  http: App,
  email: string,
  password = PASSWORD,
): Promise<{ pair: TokenPair; cookie: string }> {
  const res = await request(http).post('/auth/jwt/login').send({ email, password }).expect(200);
  const cookie = setCookies(res).refresh_token;
  if (!cookie) throw new Error(`no refresh cookie in ${JSON.stringify(res.headers['set-cookie'])}`);
  return { pair: res.body as TokenPair, cookie: cookie.pair };
}

/** GET /users/me with this access token as a Bearer token. */
export const me = (http: App, token: string): request.Test =>
  request(http).get('/users/me').set('Authorization', `Bearer ${token}`);

/** The access token is refused as RFC 6750 says, and nothing tells why; `what` names the case in a failure. */
export async function expectRefused(http: App, token: string, what = 'token'): Promise<void> {
  const res = await me(http, token);
  if (res.status !== 401) throw new Error(`${what}: expected 401, got ${res.status}`);
  expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
  expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' });
}

export const REDIS_URL = 'redis://127.0.0.1:6379';

/** A key prefix of its own for each app on the shared Redis, so test runs never collide. */
export const redisEnv = (): Record<string, string> => ({ REDIS_URL, REDIS_KEY_PREFIX: `test:${randomUUID()}:` });

/** The same on the test Redis Cluster (`TEST_REDIS_CLUSTER_URL`, set by jest.config.js). */
export const redisClusterEnv = (): Record<string, string> => ({
  REDIS_URL: process.env.TEST_REDIS_CLUSTER_URL ?? '',
  REDIS_KEY_PREFIX: `test:${randomUUID()}:`,
});

/**
 * The stores each e2e file that says so runs on. The `e2e-redis-cluster` jest project (global
 * `E2E_REDIS=cluster`) runs those files once more, on the Redis Cluster only.
 */
export const STORES: [string, () => Record<string, string>][] =
  (globalThis as { E2E_REDIS?: string }).E2E_REDIS === 'cluster'
    ? [['Redis Cluster store', redisClusterEnv]]
    : [
        ['embedded store', () => ({})],
        ['Redis store', redisEnv],
      ];

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
