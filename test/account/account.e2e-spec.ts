import request from 'supertest';
import type { App } from 'supertest/types.js';
import { PASSWORD, register, sessionLogin, setCookies, STORES } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const NEW_PASSWORD = 'a brand new passphrase of mine';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

const jwtLogin = async (http: App, email: string, password = PASSWORD): Promise<Pair> =>
  (await request(http).post('/auth/jwt/login').send({ email, password }).expect(200)).body as Pair;
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

describe.each(STORES)('Account self-service on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), LOGIN_MAX_FAILURES: '3' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a password change by cookie ends every earlier session of both kinds and answers a new cookie session', async () => {
    const u = await register(t.http);
    const other = await sessionLogin(t.http, u.email);
    const pair = await jwtLogin(t.http, u.email);
    const browser = await sessionLogin(t.http, u.email);

    const res = await request(t.http)
      .post('/users/me/password')
      .set({ Cookie: browser.cookie, 'X-CSRF-Token': browser.csrfToken })
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(200);
    const body = res.body as { user: { id: string }; csrfToken: string; expiresAt: string };
    expect(body).toEqual({
      user: expect.objectContaining({ id: u.id }),
      csrfToken: expect.any(String),
      expiresAt: expect.any(String),
    });
    const name = Object.keys(setCookies(res)).find((n) => n === 'sid' || n === '__Host-sid')!;
    const next = setCookies(res)[name]!.pair;
    expect(next).not.toBe(browser.cookie);

    // The caller's own earlier cookie, the other cookie, the access and the refresh token: all refused.
    for (const cookie of [browser.cookie, other.cookie])
      await request(t.http).get('/users/me').set('Cookie', cookie).expect(401);
    await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(401);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    // The new session works, CSRF included, and the new password signs in; the old one does not.
    await request(t.http).get('/users/me').set('Cookie', next).expect(200);
    await request(t.http)
      .patch('/users/me')
      .set({ Cookie: next, 'X-CSRF-Token': body.csrfToken })
      .send({ displayName: 'Still me' })
      .expect(200);
    await request(t.http).post('/auth/jwt/login').send({ email: u.email, password: PASSWORD }).expect(401);
    await jwtLogin(t.http, u.email, NEW_PASSWORD);
  });

  it('a password change by Bearer token answers a new pair; every earlier token is refused', async () => {
    const u = await register(t.http);
    const browser = await sessionLogin(t.http, u.email);
    const pair = await jwtLogin(t.http, u.email);
    const res = await request(t.http)
      .post('/users/me/password')
      .set(bearer(pair.accessToken))
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(200);
    const next = res.body as Pair & { tokenType: string };
    expect(next.tokenType).toBe('Bearer');
    expect(setCookies(res).refresh_token?.value).toBe(next.refreshToken);

    await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(401);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
    await request(t.http).get('/users/me').set(bearer(next.accessToken)).expect(200);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: next.refreshToken }).expect(200);

    const activity = await request(t.http).get('/users/me/activity').set(bearer(next.accessToken)).expect(200);
    expect((activity.body as { events: { type: string }[] }).events.map((e) => e.type)).toContain('password.changed');
  });

  it('a wrong current password is a 401 that changes nothing and counts toward the lockout', async () => {
    const u = await register(t.http);
    const pair = await jwtLogin(t.http, u.email);
    for (let i = 0; i < 3; i++) {
      await request(t.http)
        .post('/users/me/password')
        .set(bearer(pair.accessToken))
        .send({ currentPassword: 'not my password at all', newPassword: NEW_PASSWORD })
        .expect(401);
    }
    // Locked now, even with the right password; the session itself was not ended.
    await request(t.http).post('/auth/jwt/login').send({ email: u.email, password: PASSWORD }).expect(429);
    await request(t.http)
      .post('/users/me/password')
      .set(bearer(pair.accessToken))
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(429);
    await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(200);
  });

  it('refuses a short, long, common or mistyped new password with 400, and a cookie change without CSRF with 403', async () => {
    const u = await register(t.http);
    const pair = await jwtLogin(t.http, u.email);
    for (const newPassword of [
      'short',
      'x'.repeat(129),
      'qwerty123456',
      '1q2w3e4r5t6y',
      'QWERTY123456',
      12345678901234,
    ]) {
      await request(t.http)
        .post('/users/me/password')
        .set(bearer(pair.accessToken))
        .send({ currentPassword: PASSWORD, newPassword })
        .expect(400);
    }
    const browser = await sessionLogin(t.http, u.email);
    await request(t.http)
      .post('/users/me/password')
      .set('Cookie', browser.cookie)
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(403);
    await request(t.http)
      .post('/users/me/password')
      .send({ currentPassword: PASSWORD, newPassword: NEW_PASSWORD })
      .expect(401);
    // Nothing changed.
    await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(200);
    await jwtLogin(t.http, u.email);
  });

  it('PATCH /users/me sets or clears the display name, and refuses anything else', async () => {
    const u = await register(t.http);
    const pair = await jwtLogin(t.http, u.email);
    // Read first: GET /users/me answers from a record (and its view) kept up to a second; a
    // change must show at once all the same.
    const before = await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(200);
    expect(before.body).toMatchObject({ displayName: null });
    const set = await request(t.http)
      .patch('/users/me')
      .set(bearer(pair.accessToken))
      .send({ displayName: 'Alice' })
      .expect(200);
    expect(set.body).toMatchObject({ id: u.id, displayName: 'Alice' });
    const after = await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(200);
    expect(after.body).toMatchObject({ displayName: 'Alice' });
    const cleared = await request(t.http)
      .patch('/users/me')
      .set(bearer(pair.accessToken))
      .send({ displayName: null })
      .expect(200);
    expect(cleared.body).toMatchObject({ displayName: null });
    for (const body of [
      { displayName: '' },
      { displayName: 'x'.repeat(101) },
      { displayName: 5 },
      { email: 'x@example.com' },
      { roles: ['admin'] },
      {},
    ])
      await request(t.http).patch('/users/me').set(bearer(pair.accessToken)).send(body).expect(400);
    const me = await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(200);
    expect(me.body).toMatchObject({ email: u.email, roles: ['user'], displayName: null });
  });
});

describe('Sign-up (e2e)', () => {
  it('refuses a commonly used password at registration with a clear 400', async () => {
    const t = await createTestApp();
    try {
      const res = await request(t.http)
        .post('/users')
        .send({ email: 'c@example.com', password: 'qwertyuiop123' })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: ['password is one of the most commonly used passwords; choose another'],
        error: 'Bad Request',
      });
    } finally {
      await t.close();
    }
  });

  it('past REGISTER_RATE_PER_IP sign-ups a minute from one IP: 429, whatever their answer', async () => {
    const t = await createTestApp({ env: { REGISTER_RATE_PER_IP: '3' } });
    try {
      await request(t.http).post('/users').send({ email: 'bad' }).expect(400);
      await register(t.http);
      await request(t.http).post('/users').send({ email: 'x@example.com', password: PASSWORD }).expect(201);
      const res = await request(t.http).post('/users').send({ email: 'y@example.com', password: PASSWORD }).expect(429);
      expect(res.headers['retry-after']).toBeDefined();
    } finally {
      await t.close();
    }
  });

  it('a sign-up flood past the hashing queue gets 503 with Retry-After, and a login during it still succeeds', async () => {
    const t = await createTestApp();
    try {
      const u = await register(t.http);
      const flood = Array.from({ length: 60 }, (_, i) =>
        request(t.http)
          .post('/users')
          .send({ email: `flood-${i}@example.com`, password: PASSWORD }),
      );
      const login = request(t.http).post('/auth/jwt/login').send({ email: u.email, password: PASSWORD });
      const [answers, signIn] = await Promise.all([Promise.all(flood), login]);
      expect(signIn.status).toBe(200);
      const codes = answers.map((r) => r.status);
      expect(codes.every((c) => c === 201 || c === 503)).toBe(true);
      const busy = answers.filter((r) => r.status === 503);
      expect(busy.length).toBeGreaterThan(0);
      expect(busy[0]!.headers['retry-after']).toBeDefined();
      expect(busy[0]!.body).toEqual({
        statusCode: 503,
        message: 'Server busy, try again later',
        error: 'Service Unavailable',
      });
    } finally {
      await t.close();
    }
  });
});

describe('REQUIRE_EMAIL_VERIFICATION (e2e)', () => {
  it('an unverified account with the right password gets 403 "Email not verified"; a wrong password stays 401', async () => {
    const t = await createTestApp({ env: { REQUIRE_EMAIL_VERIFICATION: 'true' } });
    try {
      const u = await register(t.http);
      for (const style of ['session', 'jwt']) {
        const res = await request(t.http)
          .post(`/auth/${style}/login`)
          .send({ email: u.email, password: PASSWORD })
          .expect(403);
        expect(res.body).toEqual({ statusCode: 403, message: 'Email not verified', error: 'Forbidden' });
        expect(res.headers['set-cookie']).toBeUndefined();
        await request(t.http)
          .post(`/auth/${style}/login`)
          .send({ email: u.email, password: 'wrong password here' })
          .expect(401);
        await request(t.http)
          .post(`/auth/${style}/login`)
          .send({ email: 'nobody@example.com', password: PASSWORD })
          .expect(401);
      }
    } finally {
      await t.close();
    }
  });
});
