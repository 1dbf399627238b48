import request from 'supertest';
import type { App } from 'supertest/types.js';
import { PASSWORD, register, sessionLogin, setCookies, STORES } from './support/http.js';
import { RefreshTokenService } from '../src/auth-jwt/refresh/refresh-token.service.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'admin password of enough length';

interface Caller {
  /** Headers that authenticate a request; `write` adds what a state-changing one needs. */
  read: Record<string, string>;
  write: Record<string, string>;
  id: string;
}

async function cookieCaller(http: App, email: string, password = PASSWORD): Promise<Caller> {
  const s = await sessionLogin(http, email, password);
  return { read: { Cookie: s.cookie }, write: { Cookie: s.cookie, 'X-CSRF-Token': s.csrfToken }, id: s.body.user.id };
}

async function bearerCaller(http: App, email: string, password = PASSWORD): Promise<Caller> {
  const res = await request(http).post('/auth/jwt/login').send({ email, password }).expect(200);
  const auth = { Authorization: `Bearer ${(res.body as { accessToken: string }).accessToken}` };
  const me = await request(http).get('/users/me').set(auth).expect(200);
  return { read: auth, write: auth, id: (me.body as { id: string }).id };
}

interface EventView {
  id: string;
  type: string;
  userId: string | null;
  actorId: string | null;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
  detail: Record<string, string> | null;
}

describe.each(STORES)('Admin on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), ADMIN_EMAIL, ADMIN_PASSWORD } });
  });
  afterAll(async () => {
    await t.close();
  });

  describe.each([
    ['cookie', cookieCaller],
    ['Bearer token', bearerCaller],
  ] as const)('with the admin signed in by %s', (_style, signIn) => {
    let admin: Caller;
    beforeAll(async () => {
      admin = await signIn(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
    });

    it('answers 401 without a credential and 403 to a signed-in user without the role', async () => {
      const victim = await register(t.http);
      const user = await signIn(t.http, (await register(t.http)).email);
      const routes: [string, string][] = [
        ['post', `/admin/users/${victim.id}/logout`],
        ['delete', `/admin/users/${victim.id}`],
        ['get', `/admin/users/${victim.id}/sessions`],
        ['get', '/admin/audit'],
      ];
      for (const [method, path] of routes) {
        await (request(t.http) as unknown as Record<string, (p: string) => request.Test>)[method]!(path).expect(401);
        await (request(t.http) as unknown as Record<string, (p: string) => request.Test>)[method]!(path)
          .set(user.write)
          .expect(403);
      }
      // The victim was not touched by any of it.
      await request(t.http).post('/auth/session/login').send({ email: victim.email, password: PASSWORD }).expect(200);
    });

    it('forced logout ends the cookie, the access token and the refresh token, while a login in the same second works', async () => {
      const victim = await register(t.http);
      const browser = await sessionLogin(t.http, victim.email);
      const jwt = (
        await request(t.http).post('/auth/jwt/login').send({ email: victim.email, password: PASSWORD }).expect(200)
      ).body as { accessToken: string; refreshToken: string };

      const sessions = (await request(t.http).get(`/admin/users/${victim.id}/sessions`).set(admin.read).expect(200))
        .body as { kind: string }[];
      expect(sessions.map((s) => s.kind).sort()).toEqual(['cookie', 'jwt']);

      await request(t.http).post(`/admin/users/${victim.id}/logout`).set(admin.write).expect(204);
      const relogin = await request(t.http)
        .post('/auth/jwt/login')
        .send({ email: victim.email, password: PASSWORD })
        .expect(200);
      const cookieAgain = await sessionLogin(t.http, victim.email);

      await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
      const refused = await request(t.http)
        .get('/users/me')
        .set('Authorization', `Bearer ${jwt.accessToken}`)
        .expect(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: jwt.refreshToken }).expect(401);

      await request(t.http)
        .get('/users/me')
        .set('Authorization', `Bearer ${(relogin.body as { accessToken: string }).accessToken}`)
        .expect(200);
      await request(t.http).get('/users/me').set('Cookie', cookieAgain.cookie).expect(200);
      await request(t.http)
        .post('/auth/jwt/refresh')
        .send({ refreshToken: (relogin.body as { refreshToken: string }).refreshToken })
        .expect(200);
      const after = (await request(t.http).get(`/admin/users/${victim.id}/sessions`).set(admin.read).expect(200))
        .body as unknown[];
      expect(after).toHaveLength(2);

      const trail = (
        await request(t.http)
          .get('/admin/audit')
          .query({ userId: victim.id, type: 'user.forced_logout' })
          .set(admin.read)
          .expect(200)
      ).body as { events: EventView[] };
      expect(trail.events).toHaveLength(1);
      expect(trail.events[0]).toMatchObject({ type: 'user.forced_logout', userId: victim.id, actorId: admin.id });
    });

    it('a refresh token written into a family after forced logout ended it is refused (a login racing the logout)', async () => {
      const victim = await register(t.http);
      const pair = (
        await request(t.http).post('/auth/jwt/login').send({ email: victim.email, password: PASSWORD }).expect(200)
      ).body as { accessToken: string };
      const { sid } = JSON.parse(Buffer.from(pair.accessToken.split('.')[1]!, 'base64url').toString()) as {
        sid: string;
      };
      await request(t.http).post(`/admin/users/${victim.id}/logout`).set(admin.write).expect(204);
      // What a login whose registry record the logout ended would write last: its refresh token.
      const late = await t.app.get(RefreshTokenService).issue({
        userId: victim.id,
        familyId: sid,
        expiresAt: new Date(Date.now() + 86_400_000),
        authTime: Date.now(),
      });
      await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: late.token }).expect(401);
      await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: late.token }).expect(401);
    });

    it('deleting a user refuses their cookie and token at once; unknown ids are 404', async () => {
      const victim = await register(t.http);
      const browser = await sessionLogin(t.http, victim.email);
      const jwt = (
        await request(t.http).post('/auth/jwt/login').send({ email: victim.email, password: PASSWORD }).expect(200)
      ).body as { accessToken: string };
      // An id is a UUID whatever the case of its hex digits, on every database.
      const listed = await request(t.http).get(`/admin/users/${victim.id.toUpperCase()}/sessions`).set(admin.read);
      expect(listed.status).toBe(200);
      expect(listed.body).toHaveLength(2);
      await request(t.http).delete(`/admin/users/${victim.id}`).set(admin.write).expect(204);
      await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
      await request(t.http).get('/auth/sessions').set('Authorization', `Bearer ${jwt.accessToken}`).expect(401);
      await request(t.http).post('/auth/session/login').send({ email: victim.email, password: PASSWORD }).expect(401);
      await request(t.http).delete(`/admin/users/${victim.id}`).set(admin.write).expect(404);
      for (const id of ['not-a-uuid', `${victim.id}0`, '%00'])
        expect((await request(t.http).post(`/admin/users/${id}/logout`).set(admin.write).expect(404)).body).toEqual({
          statusCode: 404,
          message: 'User not found',
          error: 'Not Found',
        });
      await request(t.http)
        .get('/admin/users/00000000-0000-4000-8000-000000000000/sessions')
        .set(admin.read)
        .expect(404);
    });

    it('the audit trail holds each event type after the action that causes it, filtered by user and type, newest first, with a cursor', async () => {
      const user = await register(t.http);
      const agent = { 'User-Agent': 'audit-agent/1.0' };
      await request(t.http)
        .post('/auth/session/login')
        .set(agent)
        .send({ email: user.email, password: 'wrong password!!' })
        .expect(401);
      const s = await sessionLogin(t.http, user.email, PASSWORD, agent);
      await request(t.http)
        .post('/auth/session/logout')
        .set('Cookie', s.cookie)
        .set('X-CSRF-Token', s.csrfToken)
        .expect(204);
      const j1 = (
        await request(t.http)
          .post('/auth/jwt/login')
          .set(agent)
          .send({ email: user.email, password: PASSWORD })
          .expect(200)
      ).body as { refreshToken: string };
      await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: j1.refreshToken }).expect(200);
      await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: j1.refreshToken }).expect(401); // reuse
      await sessionLogin(t.http, user.email);
      const s3 = await sessionLogin(t.http, user.email);
      const list = (await request(t.http).get('/auth/sessions').set('Cookie', s3.cookie).expect(200)).body as {
        id: string;
        current: boolean;
      }[];
      await request(t.http)
        .delete(`/auth/sessions/${list.find((x) => !x.current)!.id}`)
        .set('Cookie', s3.cookie)
        .set('X-CSRF-Token', s3.csrfToken)
        .expect(204);
      await request(t.http).post(`/admin/users/${user.id}/logout`).set(admin.write).expect(204);

      const all = (
        await request(t.http).get('/admin/audit').query({ userId: user.id, limit: 100 }).set(admin.read).expect(200)
      ).body as { events: EventView[]; nextCursor: string | null };
      const types = new Set(all.events.map((e) => e.type));
      for (const type of [
        'login.success',
        'login.failure',
        'logout',
        'session.revoked',
        'refresh.rotated',
        'refresh.reuse_detected',
        'user.forced_logout',
      ]) {
        expect(types).toContain(type);
      }
      expect(all.events.every((e) => e.userId === user.id)).toBe(true);
      const ids = all.events.map((e) => Number(e.id));
      expect(ids).toEqual([...ids].sort((a, b) => b - a));
      const success = all.events.filter((e) => e.type === 'login.success');
      expect(success[success.length - 1]).toMatchObject({
        userAgent: 'audit-agent/1.0',
        ip: expect.stringMatching(/127\.0\.0\.1/),
      });
      // Nothing secret in the trail.
      const text = JSON.stringify(all);
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain(j1.refreshToken);
      expect(text).not.toMatch(/argon2/);

      const failures = (
        await request(t.http)
          .get('/admin/audit')
          .query({ userId: user.id, type: 'login.failure' })
          .set(admin.read)
          .expect(200)
      ).body as { events: EventView[] };
      expect(failures.events).toHaveLength(1);
      // A known account is named by its id, never by the text that was typed.
      expect(failures.events[0]).toMatchObject({ type: 'login.failure', userId: user.id, detail: null });

      // Pages of 2 walk the same events in the same order.
      const walked: string[] = [];
      let cursor: string | null | undefined;
      do {
        const page = (
          await request(t.http)
            .get('/admin/audit')
            .query({ userId: user.id, limit: 2, ...(cursor ? { cursor } : {}) })
            .set(admin.read)
            .expect(200)
        ).body as { events: EventView[]; nextCursor: string | null };
        expect(page.events.length).toBeLessThanOrEqual(2);
        walked.push(...page.events.map((e) => e.id));
        cursor = page.nextCursor;
      } while (cursor);
      expect(walked).toEqual(all.events.map((e) => e.id));

      await request(t.http).get('/admin/audit').query({ type: 'nope' }).set(admin.read).expect(400);
      await request(t.http).get('/admin/audit').query({ limit: 0 }).set(admin.read).expect(400);
      await request(t.http).get('/admin/audit').query({ cursor: 'x' }).set(admin.read).expect(400);
    });
  });

  it("a user's own activity lists their sign-ins with ip and user agent, newest first, and nobody else's", async () => {
    const alice = await register(t.http);
    const bob = await register(t.http);
    await sessionLogin(t.http, alice.email, PASSWORD, { 'User-Agent': 'first-agent' });
    await request(t.http)
      .post('/auth/jwt/login')
      .set('User-Agent', 'second-agent')
      .send({ email: alice.email, password: PASSWORD })
      .expect(200);
    await sessionLogin(t.http, bob.email, PASSWORD, { 'User-Agent': 'bob-agent' });
    const mine = await sessionLogin(t.http, alice.email, PASSWORD, { 'User-Agent': 'third-agent' });
    const res = await request(t.http).get('/users/me/activity').set('Cookie', mine.cookie).expect(200);
    const events = (res.body as { events: EventView[] }).events;
    const signIns = events.filter((e) => e.type === 'login.success');
    expect(signIns.map((e) => e.userAgent)).toEqual(['third-agent', 'second-agent', 'first-agent']);
    expect(signIns.every((e) => e.ip && /127\.0\.0\.1/.test(e.ip))).toBe(true);
    expect(events.every((e) => e.userId === alice.id)).toBe(true);
    expect(JSON.stringify(res.body)).not.toContain('bob-agent');
    await request(t.http).get('/users/me/activity').expect(401);
    expect(setCookies(res)).toEqual({});
  });
});

/**
 * `GET /users/me` answers from a record read less than a second ago (UsersService.current). Two
 * instances on one database and store: what the admin does on one refuses the user's credentials on
 * the other at once, whatever that one has in memory; what the user changes shows on the instance
 * that wrote it at once.
 */
describe.each(STORES)("The user's record in memory, two instances on the %s (e2e)", (_, storeEnv) => {
  let a: TestApp;
  let b: TestApp;
  beforeAll(async () => {
    const env = { ...storeEnv(), ADMIN_EMAIL, ADMIN_PASSWORD };
    a = await createTestApp({ env });
    b = await createTestApp({ env, dataDir: a.dataDir });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
  });

  /** The user signed in on instance a in both styles, its record just read there (in memory now). */
  async function signInOnA(email: string): Promise<Caller[]> {
    const callers = [await cookieCaller(a.http, email), await bearerCaller(a.http, email)];
    for (const c of callers) await request(a.http).get('/users/me').set(c.read).expect(200);
    return callers;
  }

  it('a user demoted or deleted on the other instance is refused at once, and signed in again sees the change', async () => {
    const admin = await bearerCaller(b.http, ADMIN_EMAIL, ADMIN_PASSWORD);
    const u = await register(a.http);
    const roles = (list: string[]) =>
      request(b.http).put(`/admin/users/${u.id}/roles`).set(admin.write).send({ roles: list }).expect(200);
    await roles(['user', 'admin']);
    const promoted = await signInOnA(u.email);
    await roles(['user']);
    for (const c of promoted) await request(a.http).get('/users/me').set(c.read).expect(401);
    // Signed in again on b (a writes nothing then): the new credentials are newer than what a read
    // before the change, so a reads the row again.
    for (const c of [await cookieCaller(b.http, u.email), await bearerCaller(b.http, u.email)]) {
      expect((await request(a.http).get('/users/me').set(c.read).expect(200)).body).toMatchObject({ roles: ['user'] });
    }

    const deleted = await signInOnA(u.email);
    await request(b.http).delete(`/admin/users/${u.id}`).set(admin.write).expect(204);
    for (const c of deleted) await request(a.http).get('/users/me').set(c.read).expect(401);
  });

  it("the user's own change shows at once on the instance that made it", async () => {
    const [cookie, bearer] = (await signInOnA((await register(a.http)).email)) as [Caller, Caller];
    await request(a.http).patch('/users/me').set(cookie.write).send({ displayName: 'Renamed' }).expect(200);
    for (const c of [cookie, bearer]) {
      expect((await request(a.http).get('/users/me').set(c.read).expect(200)).body).toMatchObject({
        displayName: 'Renamed',
      });
    }
  });
});
