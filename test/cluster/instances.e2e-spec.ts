import { jest } from '@jest/globals';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  bearer,
  cookieLogin,
  type Deployment,
  type Front,
  type Instance,
  jwtLogin,
  killAll,
  meStatus,
  newDeployment,
  PASSWORD,
  refresh,
  send,
  sessionCookie,
  sidOf,
  signUp,
  sleep,
  startFront,
  startInstance,
  stopInstance,
  withCookie,
} from './cluster.js';

/**
 * Three built servers on one Redis (a key prefix of their own) and one PostgreSQL schema, behind
 * a round-robin front. Whatever one instance does to a credential, the next request to any other
 * sees: nothing that matters lives in one process. Checks that name an instance address it
 * directly, so "on the others" is not left to the front's rotation.
 */

// Three Node processes start (argon2 and migrations included) in a few seconds on a busy machine.
jest.setTimeout(180_000);

let deployment: Deployment;
let instances: Instance[];
let front: Front;
let A: number;
let B: number;
let C: number;
const ports = (): number[] => instances.map((i) => i.port);

beforeAll(async () => {
  // A short idle timeout: a request more than a tenth of it (1 s) after the last one writes the
  // session back to the store, which the logout race below needs.
  deployment = await newDeployment({ LOGIN_MAX_FAILURES: '3', LOGIN_LOCK_SECONDS: '60', SESSION_IDLE_TIMEOUT: '10' });
  // Started together on an empty schema, as a fresh deployment or a scale-up starts them: the
  // migrations and the admin account must come out right with the three racing for them.
  instances = await Promise.all(['A', 'B', 'C'].map((name) => startInstance(name, deployment.env)));
  [A, B, C] = ports() as [number, number, number];
  front = await startFront(() => instances);
});

afterAll(async () => {
  await front?.close();
  const exits = await Promise.all((instances ?? []).map((i) => stopInstance(i)));
  killAll();
  await deployment?.cleanup();
  // Each stopped cleanly: SIGTERM is a deploy's everyday stop.
  expect(exits).toEqual(exits.map(() => ({ code: 0, signal: null })));
});

describe('Three instances behind a round-robin front', () => {
  it('all started together on one empty schema, with one admin account', async () => {
    for (const port of ports()) {
      const health = await send(port, 'GET', '/health');
      expect(health.status).toBe(200);
      expect(health.body).toMatchObject({ info: { database: { status: 'up' }, redis: { status: 'up' } } });
      // The admin can sign in on each.
      await cookieLogin(port, ADMIN_EMAIL, ADMIN_PASSWORD);
    }
  });

  it('serves one cookie session from every instance, in turn', async () => {
    const user = await signUp(front.port);
    const login = await send(front.port, 'POST', '/auth/session/login', {
      json: { email: user.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const cookie = sessionCookie(login)!;
    const servedBy = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const reply = await send(front.port, 'GET', '/users/me', { headers: { Cookie: cookie } });
      expect(reply.status).toBe(200);
      expect(reply.body).toMatchObject({ id: user.id });
      servedBy.add(String(reply.headers['x-served-by']));
    }
    expect([...servedBy].sort()).toEqual(['A', 'B', 'C']);
  });

  it('a cookie made on A works on B and C, CSRF-protected writes included', async () => {
    const user = await signUp(A);
    const session = await cookieLogin(A, user.email);
    expect(await meStatus(B, withCookie(session))).toBe(200);
    expect(await meStatus(C, withCookie(session))).toBe(200);
    const csrf = await send(B, 'GET', '/auth/session/csrf', { headers: withCookie(session) });
    expect(csrf.body).toEqual({ csrfToken: session.csrf });
    // A state-changing request on C with A's token: accepted (204), and refused without it (403).
    expect((await send(C, 'DELETE', '/auth/sessions', { headers: withCookie(session) })).status).toBe(403);
    expect((await send(C, 'DELETE', '/auth/sessions', { headers: withCookie(session, true) })).status).toBe(204);
    // The client IP the front passed on is the one the registry recorded.
    const list = await send(B, 'GET', '/auth/sessions', { headers: withCookie(session) });
    expect(list.body).toEqual([
      expect.objectContaining({ kind: 'cookie', current: true, ip: expect.stringMatching(/127\.0\.0\.1/) }),
    ]);
  });

  it('a pair issued by A refreshes on B; reusing the spent token on C revokes the family everywhere', async () => {
    const user = await signUp(A);
    const first = await jwtLogin(A, user.email);
    for (const port of [A, B, C]) expect(await meStatus(port, bearer(first.accessToken))).toBe(200);

    const rotated = await refresh(B, first.refreshToken);
    expect(rotated.status).toBe(200);
    const second = rotated.body as { accessToken: string; refreshToken: string };
    expect(sidOf(second.accessToken)).toBe(sidOf(first.accessToken));
    expect(await meStatus(C, bearer(second.accessToken))).toBe(200);

    // The spent token again, on a third instance: refused, and the whole family ends.
    expect((await refresh(C, first.refreshToken)).status).toBe(401);
    for (const port of [A, B, C]) {
      expect(await meStatus(port, bearer(second.accessToken))).toBe(401);
      expect(await meStatus(port, bearer(first.accessToken))).toBe(401);
    }
    expect((await refresh(A, second.refreshToken)).status).toBe(401);
  });

  it('cookie logout on B is seen by A and C on their next request', async () => {
    const user = await signUp(A);
    const session = await cookieLogin(A, user.email);
    for (const port of [A, C]) expect(await meStatus(port, withCookie(session))).toBe(200);
    expect((await send(B, 'POST', '/auth/session/logout', { headers: withCookie(session, true) })).status).toBe(204);
    for (const port of [A, B, C]) expect(await meStatus(port, withCookie(session))).toBe(401);
  });

  it('requests in flight on B while A logs the session out do not bring it back when they save it', async () => {
    // Each of those requests loaded the session before the logout and writes it back after: a plain
    // write would re-create it, and the logged-out cookie would work again. Several rounds, as the
    // interleaving is up to the scheduler.
    for (let round = 0; round < 4; round++) {
      const user = await signUp(A);
      const session = await cookieLogin(A, user.email);
      await sleep(1100);
      const inFlight = Array.from({ length: 8 }, () => send(B, 'GET', '/users/me', { headers: withCookie(session) }));
      await sleep(5);
      expect((await send(A, 'POST', '/auth/session/logout', { headers: withCookie(session, true) })).status).toBe(204);
      await Promise.all(inFlight);
      for (const port of [A, B, C]) expect(await meStatus(port, withCookie(session))).toBe(401);
    }
  });

  it('JWT logout on C refuses the access token on A and B and the refresh token anywhere', async () => {
    const user = await signUp(B);
    const pair = await jwtLogin(A, user.email);
    for (const port of [A, B]) expect(await meStatus(port, bearer(pair.accessToken))).toBe(200);
    expect((await send(C, 'POST', '/auth/jwt/logout', { headers: bearer(pair.accessToken) })).status).toBe(204);
    for (const port of [A, B, C]) expect(await meStatus(port, bearer(pair.accessToken))).toBe(401);
    expect((await refresh(B, pair.refreshToken)).status).toBe(401);
  });

  it('ending a session (DELETE /auth/sessions/:id) on one instance ends it on the others, for both kinds', async () => {
    const user = await signUp(A);
    const browser = await cookieLogin(A, user.email);
    const app = await jwtLogin(B, user.email);
    for (const port of [A, B, C]) expect(await meStatus(port, bearer(app.accessToken))).toBe(200);

    // From the browser on C, end the JWT session made on B.
    const ended = await send(C, 'DELETE', `/auth/sessions/${sidOf(app.accessToken)}`, {
      headers: withCookie(browser, true),
    });
    expect(ended.status).toBe(204);
    for (const port of [A, B, C]) expect(await meStatus(port, bearer(app.accessToken))).toBe(401);
    expect((await refresh(A, app.refreshToken)).status).toBe(401);

    // From a new app session on A, end the browser's cookie session (made on A) and check it on B and C.
    const other = await jwtLogin(C, user.email);
    const list = await send(A, 'GET', '/auth/sessions', { headers: bearer(other.accessToken) });
    const cookieSession = (list.body as { id: string; kind: string }[]).find((s) => s.kind === 'cookie')!;
    expect(
      (await send(A, 'DELETE', `/auth/sessions/${cookieSession.id}`, { headers: bearer(other.accessToken) })).status,
    ).toBe(204);
    for (const port of [B, C, A]) expect(await meStatus(port, withCookie(browser))).toBe(401);
    expect(await meStatus(B, bearer(other.accessToken))).toBe(200);
  });

  it('a forced logout by the admin on A ends the cookie on B, the tokens on every instance, and the refresh token', async () => {
    const victim = await signUp(C);
    const browser = await cookieLogin(B, victim.email);
    const app = await jwtLogin(C, victim.email);
    for (const port of [A, B, C]) {
      expect(await meStatus(port, withCookie(browser))).toBe(200);
      expect(await meStatus(port, bearer(app.accessToken))).toBe(200);
    }
    const admin = await jwtLogin(A, ADMIN_EMAIL, ADMIN_PASSWORD);
    expect(
      (await send(A, 'POST', `/admin/users/${victim.id}/logout`, { headers: bearer(admin.accessToken) })).status,
    ).toBe(204);
    for (const port of [B, C, A]) {
      expect(await meStatus(port, withCookie(browser))).toBe(401);
      expect(await meStatus(port, bearer(app.accessToken))).toBe(401);
    }
    expect((await refresh(B, app.refreshToken)).status).toBe(401);
    // The victim can sign in again at once, anywhere.
    const again = await jwtLogin(B, victim.email);
    expect(await meStatus(C, bearer(again.accessToken))).toBe(200);
  });

  it('login failures spread over the instances add up to one lockout (LOGIN_MAX_FAILURES=3)', async () => {
    const user = await signUp(A);
    const attempt = (port: number, password: string): Promise<number> =>
      send(port, 'POST', '/auth/session/login', { json: { email: user.email, password } }).then((r) => r.status);
    // One failure on each instance: none of them alone has seen three.
    expect(await attempt(A, 'wrong password, attempt 1')).toBe(401);
    expect(await attempt(B, 'wrong password, attempt 2')).toBe(401);
    const third = await attempt(C, 'wrong password, attempt 3');
    expect([401, 429]).toContain(third);
    // Locked on every instance, for either style, even with the right password.
    for (const port of [A, B, C]) {
      const cookieStyle = await send(port, 'POST', '/auth/session/login', {
        json: { email: user.email, password: PASSWORD },
      });
      expect(cookieStyle.status).toBe(429);
      expect(Number(cookieStyle.headers['retry-after'])).toBeGreaterThan(0);
      const tokenStyle = await send(port, 'POST', '/auth/jwt/login', {
        json: { email: user.email, password: PASSWORD },
      });
      expect(tokenStyle.status).toBe(429);
    }
  });
});
