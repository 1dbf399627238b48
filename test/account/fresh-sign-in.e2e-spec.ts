import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { register, sessionLogin, sleep, STORES } from '../support/http.js';
import { decodePart, forgeHs256 } from '../support/tokens.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const SECRET = 'fresh-sign-in-secret-of-at-least-32-bytes-xx';
const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'admin password of enough length';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

const jwtLogin = async (http: App, email: string, password: string): Promise<Pair> =>
  (await request(http).post('/auth/jwt/login').send({ email, password }).expect(200)).body as Pair;
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });
const expectStale = (res: request.Response): void =>
  expect(res.body).toEqual({ statusCode: 403, message: 'Recent sign-in required', error: 'Forbidden' });

/** `auth_time` (RFC 9470) and `@Fresh()` routes, shown on DELETE /users/me. */
describe.each(STORES)('Fresh sign-in on the %s (e2e)', (_, storeEnv) => {
  describe('with the default REAUTH_MAX_AGE', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { ...storeEnv(), JWT_SECRET: SECRET, ADMIN_EMAIL, ADMIN_PASSWORD } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('puts the sign-in time in auth_time, and a refresh keeps it', async () => {
      const user = await register(t.http);
      const before = Math.floor(Date.now() / 1000);
      const first = await jwtLogin(t.http, user.email, user.password);
      const after = Math.floor(Date.now() / 1000);
      const authTime = decodePart(first.accessToken, 1).auth_time as number;
      expect(Number.isInteger(authTime)).toBe(true);
      expect(authTime).toBeGreaterThanOrEqual(before);
      expect(authTime).toBeLessThanOrEqual(after);
      await sleep(1100);
      const second = (
        await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: first.refreshToken }).expect(200)
      ).body as Pair;
      const third = (
        await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: second.refreshToken }).expect(200)
      ).body as Pair;
      expect(decodePart(third.accessToken, 1).iat as number).toBeGreaterThan(authTime + 1);
      expect(decodePart(third.accessToken, 1).auth_time).toBe(authTime);
    });

    it('refuses a stale access token on a fresh-only route, and only there', async () => {
      const user = await register(t.http);
      const pair = await jwtLogin(t.http, user.email, user.password);
      const claims = decodePart(pair.accessToken, 1);
      // The attacker's best case: a genuine token (signed with the real key) whose sign-in is old.
      const stale = forgeHs256(
        decodePart(pair.accessToken, 0),
        { ...claims, jti: randomUUID(), auth_time: (claims.auth_time as number) - 901 },
        SECRET,
      );
      await request(t.http).get('/users/me').set(bearer(stale)).expect(200);
      expectStale(await request(t.http).delete('/users/me').set(bearer(stale)).expect(403));
      await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(200);
      // Just inside the window it passes.
      const recent = forgeHs256(
        decodePart(pair.accessToken, 0),
        { ...claims, jti: randomUUID(), auth_time: (claims.auth_time as number) - 880 },
        SECRET,
      );
      await request(t.http).delete('/users/me').set(bearer(recent)).expect(204);
    });

    it('refuses an access token without auth_time, or with one of the wrong type, everywhere', async () => {
      const user = await register(t.http);
      const pair = await jwtLogin(t.http, user.email, user.password);
      const header = decodePart(pair.accessToken, 0);
      const { auth_time, ...withoutAuthTime } = decodePart(pair.accessToken, 1);
      for (const claims of [withoutAuthTime, { ...withoutAuthTime, auth_time: String(auth_time) }]) {
        const token = forgeHs256(header, { ...claims, jti: randomUUID() }, SECRET);
        await request(t.http).get('/users/me').set(bearer(token)).expect(401);
        await request(t.http).delete('/users/me').set(bearer(token)).expect(401);
      }
    });

    it('deletes the account of a fresh sign-in: every cookie session, access and refresh token of it is refused at once', async () => {
      const user = await register(t.http);
      const browser = await sessionLogin(t.http, user.email, user.password);
      const other = await jwtLogin(t.http, user.email, user.password);
      const pair = await jwtLogin(t.http, user.email, user.password);
      await request(t.http).delete('/users/me').set(bearer(pair.accessToken)).expect(204);

      await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(401);
      await request(t.http).get('/users/me').set(bearer(other.accessToken)).expect(401);
      await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
      await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: other.refreshToken }).expect(401);
      await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: user.password }).expect(401);
      // The email is free again.
      await request(t.http).post('/users').send({ email: user.email, password: user.password }).expect(201);

      const admin = await jwtLogin(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
      const events = (
        await request(t.http)
          .get(`/admin/audit?userId=${user.id}&type=user.deleted`)
          .set(bearer(admin.accessToken))
          .expect(200)
      ).body as { events: { type: string; userId: string; actorId: string | null }[] };
      expect(events.events).toEqual([
        expect.objectContaining({ type: 'user.deleted', userId: user.id, actorId: null }),
      ]);
    });

    it('deletes the account of a fresh cookie session, which needs its CSRF token, and clears the cookie', async () => {
      const user = await register(t.http);
      const browser = await sessionLogin(t.http, user.email, user.password);
      await request(t.http).delete('/users/me').set('Cookie', browser.cookie).expect(403);
      const res = await request(t.http)
        .delete('/users/me')
        .set({ Cookie: browser.cookie, 'X-CSRF-Token': browser.csrfToken })
        .expect(204);
      expect(String(res.headers['set-cookie'])).toMatch(/^(__Host-)?sid=;/);
      await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
    });

    it('answers 401 to DELETE /users/me without a credential', async () => {
      await request(t.http).delete('/users/me').expect(401);
    });
  });

  describe('with REAUTH_MAX_AGE=1', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await createTestApp({ env: { ...storeEnv(), REAUTH_MAX_AGE: '1' } });
    });
    afterAll(async () => {
      await t.close();
    });

    it('a cookie session past the window gets 403 on a fresh-only route, and stays signed in elsewhere', async () => {
      const user = await register(t.http);
      const browser = await sessionLogin(t.http, user.email, user.password);
      await sleep(1100);
      const write = { Cookie: browser.cookie, 'X-CSRF-Token': browser.csrfToken };
      // Still signed in: only the fresh-only route refuses it.
      await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(200);
      expectStale(await request(t.http).delete('/users/me').set(write).expect(403));
      await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(200);
      // (A new sign-in is fresh: shown with the default window above, where timing cannot interfere.)
    });

    it('a refresh does not make a JWT session fresh again', async () => {
      const user = await register(t.http);
      const first = await jwtLogin(t.http, user.email, user.password);
      // auth_time has whole seconds: past 2 s it is stale whatever the rounding.
      await sleep(2100);
      const refreshed = (
        await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: first.refreshToken }).expect(200)
      ).body as Pair;
      await request(t.http).get('/users/me').set(bearer(refreshed.accessToken)).expect(200);
      expectStale(await request(t.http).delete('/users/me').set(bearer(refreshed.accessToken)).expect(403));
      expect(decodePart(refreshed.accessToken, 1).auth_time).toBe(decodePart(first.accessToken, 1).auth_time);
    });
  });
});
