import { jest } from '@jest/globals';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  bearer,
  cookieLogin,
  type Deployment,
  type Instance,
  jwtLogin,
  killAll,
  meStatus,
  newDeployment,
  refresh,
  send,
  sidOf,
  signUp,
  sleep,
  startInstance,
  stopInstance,
  withCookie,
} from './cluster.js';

/**
 * One Express instance and one Fastify instance of one deployment (one Redis prefix, one
 * PostgreSQL schema). The two adapters carry the session in the same signed cookie format and
 * store the same data, so a deployment can move from one adapter to the other instance by instance,
 * with nobody signed out, and every credential works and ends on both. (Runs in the `cluster`
 * project only: the adapters are set here, not by the project.)
 */

jest.setTimeout(180_000);

let deployment: Deployment;
let express: Instance;
let fastify: Instance;

beforeAll(async () => {
  // A short idle timeout: a request more than a tenth of it (1 s) after the last writes the session.
  deployment = await newDeployment({ SESSION_IDLE_TIMEOUT: '10', LOG_LEVEL: 'info' });
  [express, fastify] = await Promise.all([
    startInstance('express', { ...deployment.env, HTTP_ADAPTER: 'express' }),
    startInstance('fastify', { ...deployment.env, HTTP_ADAPTER: 'fastify' }),
  ]);
});

afterAll(async () => {
  const exits = await Promise.all([express, fastify].filter(Boolean).map((i) => stopInstance(i)));
  killAll();
  await deployment?.cleanup();
  expect(exits).toEqual(exits.map(() => ({ code: 0, signal: null })));
});

describe('An Express and a Fastify instance on one store', () => {
  it('each says which adapter it runs on', () => {
    expect(express.output()).toMatch(/\(express;/);
    expect(fastify.output()).toMatch(/\(fastify;/);
  });

  it.each([
    ['Express', 'Fastify'],
    ['Fastify', 'Express'],
  ])(
    'a cookie session made on %s works on %s, CSRF-protected writes and activity writes included',
    async (from, _to) => {
      const [a, b] = from === 'Express' ? [express.port, fastify.port] : [fastify.port, express.port];
      const user = await signUp(a);
      const session = await cookieLogin(a, user.email);
      expect(await meStatus(b, withCookie(session))).toBe(200);
      const csrf = await send(b, 'GET', '/auth/session/csrf', { headers: withCookie(session) });
      expect(csrf.body).toEqual({ csrfToken: session.csrf });
      // Past a tenth of the idle timeout, the other adapter writes the session back; the first
      // still reads what it wrote.
      await sleep(1100);
      expect(await meStatus(b, withCookie(session))).toBe(200);
      expect(await meStatus(a, withCookie(session))).toBe(200);
      // A write without the token is refused on the other adapter; logout with it ends it on both.
      expect((await send(b, 'POST', '/auth/session/logout', { headers: withCookie(session) })).status).toBe(403);
      expect((await send(b, 'POST', '/auth/session/logout', { headers: withCookie(session, true) })).status).toBe(204);
      expect(await meStatus(a, withCookie(session))).toBe(401);
      expect(await meStatus(b, withCookie(session))).toBe(401);
    },
  );

  it('a pair issued on Express refreshes on Fastify; a replay on Express ends the family on both', async () => {
    const user = await signUp(express.port);
    const first = await jwtLogin(express.port, user.email);
    const rotated = await refresh(fastify.port, first.refreshToken);
    expect(rotated.status).toBe(200);
    const second = rotated.body as { accessToken: string; refreshToken: string };
    expect(sidOf(second.accessToken)).toBe(sidOf(first.accessToken));
    expect(await meStatus(express.port, bearer(second.accessToken))).toBe(200);
    expect((await refresh(express.port, first.refreshToken)).status).toBe(401);
    for (const port of [express.port, fastify.port]) expect(await meStatus(port, bearer(second.accessToken))).toBe(401);
  });

  it('an admin on one adapter signs a user out of the sessions made on the other', async () => {
    const admin = await cookieLogin(express.port, ADMIN_EMAIL, ADMIN_PASSWORD);
    const user = await signUp(fastify.port);
    const cookie = await cookieLogin(fastify.port, user.email);
    const pair = await jwtLogin(fastify.port, user.email);
    const forced = await send(express.port, 'POST', `/admin/users/${user.id}/logout`, {
      headers: withCookie(admin, true),
    });
    expect(forced.status).toBe(204);
    for (const port of [express.port, fastify.port]) {
      expect(await meStatus(port, withCookie(cookie))).toBe(401);
      expect(await meStatus(port, bearer(pair.accessToken))).toBe(401);
    }
  });
});
