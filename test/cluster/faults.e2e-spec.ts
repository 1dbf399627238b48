import { jest } from '@jest/globals';
import {
  bearer,
  cookieLogin,
  type Deployment,
  type Instance,
  jwtLogin,
  killAll,
  meStatus,
  newDeployment,
  type OwnRedis,
  ownRedis,
  PASSWORD,
  refresh,
  type Reply,
  send,
  signUp,
  startInstance,
  startTcpProxy,
  stopInstance,
  type TcpProxy,
  waitFor,
  withCookie,
} from './cluster.js';

/**
 * Three built servers on a Redis of this file's own (so it can be stopped: the machine's shared
 * Redis never is) and on the shared PostgreSQL through a TCP proxy that can cut it away. A part
 * that fails makes requests fail cleanly — 503, JSON, no stack, never a 200 built on state that
 * could not be checked — and service comes back by itself when the part does.
 */

jest.setTimeout(180_000);

let deployment: Deployment;
let redis: OwnRedis;
let database: TcpProxy;
let instances: Instance[];
let A: number;
let B: number;
let C: number;

beforeAll(async () => {
  redis = await ownRedis();
  const pg = new URL(process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test');
  database = await startTcpProxy(pg.hostname, Number(pg.port || 5432));
  deployment = await newDeployment({ REDIS_URL: redis.url });
  const url = new URL(deployment.env.DATABASE_URL!);
  url.port = String(database.port);
  deployment.env.DATABASE_URL = url.toString();
  instances = await Promise.all(['A', 'B', 'C'].map((name) => startInstance(name, deployment.env)));
  [A, B, C] = instances.map((i) => i.port) as [number, number, number];
});

afterAll(async () => {
  redis?.resume();
  await database?.restore().catch(() => undefined);
  await Promise.all((instances ?? []).map((i) => stopInstance(i)));
  killAll();
  await database?.close();
  await redis?.stop();
  redis?.remove();
  await deployment?.cleanup();
});

/** A failed request answers like every error of the API: Nest's JSON shape, nothing of the internals. */
function expectCleanFailure(reply: Reply, status = 503): void {
  expect({ status: reply.status, body: reply.body }).toEqual({
    status,
    body: { statusCode: status, message: expect.any(String), error: expect.any(String) },
  });
  expect(reply.text).not.toMatch(/\bat \S+ \(|stack|Error:|SELECT|ECONNREFUSED|redis|postgres/i);
}

const healthy = (port: number) => async (): Promise<boolean> =>
  (await send(port, 'GET', '/health', { timeoutMs: 5000 })).status === 200;

describe('Redis stops', () => {
  it('answers 503 to /health and to every request that needs Redis, and comes back by itself when Redis is back', async () => {
    const user = await signUp(A);
    const browser = await cookieLogin(A, user.email);
    const app = await jwtLogin(B, user.email);
    for (const port of [A, B, C]) {
      expect(await meStatus(port, withCookie(browser))).toBe(200);
      expect(await meStatus(port, bearer(app.accessToken))).toBe(200);
    }

    await redis.stop();
    for (const port of [A, B, C]) {
      const health = await send(port, 'GET', '/health');
      expect(health.status).toBe(503);
      // The cookie session lives in Redis, and so does the blacklist a Bearer token is checked
      // against: neither may pass unchecked (200) nor fail as a bug (500).
      expectCleanFailure(await send(port, 'GET', '/users/me', { headers: withCookie(browser) }));
      expectCleanFailure(await send(port, 'GET', '/users/me', { headers: bearer(app.accessToken) }));
      expectCleanFailure(await send(port, 'GET', '/auth/sessions', { headers: bearer(app.accessToken) }));
      expectCleanFailure(
        await send(port, 'POST', '/auth/session/login', { json: { email: user.email, password: PASSWORD } }),
      );
      // A token login needs Redis only for its rate limits; whatever it answers, it is not a 500.
      const tokenLogin = await send(port, 'POST', '/auth/jwt/login', {
        json: { email: user.email, password: PASSWORD },
      });
      if (tokenLogin.status !== 200) expectCleanFailure(tokenLogin);
    }

    // Same port, no persistence: an empty Redis. Nobody restarts the instances.
    await redis.start();
    for (const port of [A, B, C]) await waitFor(`instance on ${port} healthy again`, healthy(port), 20_000);
    // The cookie session went with Redis' memory: refused, not half-accepted. Logins work again.
    for (const port of [A, B, C]) expect(await meStatus(port, withCookie(browser))).toBe(401);
    const again = await cookieLogin(C, user.email);
    for (const port of [A, B, C]) expect(await meStatus(port, withCookie(again))).toBe(200);
    expect(await meStatus(A, bearer(app.accessToken))).toBe(200);
  });

  it('answers 503 within the command timeout while Redis is connected but does not answer, never hangs', async () => {
    const user = await signUp(B);
    const browser = await cookieLogin(B, user.email);
    const app = await jwtLogin(C, user.email);
    redis.pause();
    try {
      const login = { email: user.email, password: PASSWORD };
      const [health, ...replies] = await Promise.all([
        send(C, 'GET', '/health', { timeoutMs: 10_000 }),
        send(A, 'GET', '/users/me', { headers: withCookie(browser), timeoutMs: 10_000 }),
        send(B, 'GET', '/users/me', { headers: bearer(app.accessToken), timeoutMs: 10_000 }),
        // The rate limits and the lockout count in Redis (a transaction, for the rate limiter).
        send(C, 'POST', '/auth/session/login', { json: login, timeoutMs: 10_000 }),
        send(A, 'POST', '/auth/jwt/login', { json: login, timeoutMs: 10_000 }),
      ]);
      expect(health.status).toBe(503);
      for (const reply of replies) expectCleanFailure(reply);
      // Each Redis command has a 2 s deadline (src/redis/command-deadline.ts).
      for (const reply of [health, ...replies]) expect(reply.ms).toBeLessThan(6000);
    } finally {
      redis.resume();
    }
    for (const port of [A, B, C]) await waitFor(`instance on ${port} healthy again`, healthy(port), 20_000);
    // Nothing was lost: the same credentials pass again. (The timed-out session loads must not have
    // made express-session delete the session at the end of those responses.)
    expect(await meStatus(C, withCookie(browser))).toBe(200);
    expect(await meStatus(A, bearer(app.accessToken))).toBe(200);
  });
});

describe('An instance killed with SIGKILL', () => {
  it('loses no session: what it issued still works on the others', async () => {
    const victim = instances[2]!;
    const user = await signUp(C);
    const browser = await cookieLogin(C, user.email);
    const app = await jwtLogin(C, user.email);
    victim.child.kill('SIGKILL');
    expect(await victim.exited).toEqual({ code: null, signal: 'SIGKILL' });

    for (const port of [A, B]) {
      expect(await meStatus(port, withCookie(browser))).toBe(200);
      expect(await meStatus(port, bearer(app.accessToken))).toBe(200);
    }
    const rotated = await refresh(A, app.refreshToken);
    expect(rotated.status).toBe(200);
    const sessions = await send(B, 'GET', '/auth/sessions', { headers: withCookie(browser) });
    expect((sessions.body as { kind: string }[]).map((s) => s.kind).sort()).toEqual(['cookie', 'jwt']);

    // A replacement on the same port picks up where it left off.
    instances[2] = await startInstance('C2', deployment.env, victim.port);
    expect(await meStatus(C, withCookie(browser))).toBe(200);
    expect(await meStatus(C, bearer((rotated.body as { accessToken: string }).accessToken))).toBe(200);
  });
});

describe('PostgreSQL goes away and comes back', () => {
  it('fails requests during the gap cleanly with 503, and serves them again afterwards without a restart', async () => {
    const user = await signUp(A);
    const browser = await cookieLogin(B, user.email);
    const app = await jwtLogin(C, user.email);

    await database.cut();
    try {
      for (const port of [A, B, C]) {
        expect((await send(port, 'GET', '/health')).status).toBe(503);
        const during: [string, Promise<Reply>][] = [
          ['sign-up', send(port, 'POST', '/users', { json: { email: `gap-${port}@example.com`, password: PASSWORD } })],
          [
            'cookie login',
            send(port, 'POST', '/auth/session/login', { json: { email: user.email, password: PASSWORD } }),
          ],
          ['me by cookie', send(port, 'GET', '/users/me', { headers: withCookie(browser) })],
          ['me by token', send(port, 'GET', '/users/me', { headers: bearer(app.accessToken) })],
          ['sessions', send(port, 'GET', '/auth/sessions', { headers: bearer(app.accessToken) })],
          ['refresh', refresh(port, app.refreshToken)],
        ];
        for (const [what, pending] of during) {
          const reply = await pending;
          try {
            expectCleanFailure(reply);
            expect(reply.ms).toBeLessThan(8000);
          } catch (err) {
            throw new Error(`${what} on ${port}: ${reply.status} ${reply.text}\n${(err as Error).message}`, {
              cause: err,
            });
          }
        }
      }
    } finally {
      await database.restore();
    }

    for (const port of [A, B, C]) await waitFor(`instance on ${port} healthy again`, healthy(port), 20_000);
    for (const port of [A, B, C]) {
      expect(await meStatus(port, withCookie(browser))).toBe(200);
      expect(await meStatus(port, bearer(app.accessToken))).toBe(200);
    }
    expect((await refresh(A, app.refreshToken)).status).toBe(200);
    await signUp(B);
    await cookieLogin(C, user.email);
  });
});
