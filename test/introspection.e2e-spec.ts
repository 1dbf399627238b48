import request from 'supertest';
import type { App } from 'supertest/types.js';
import { dpopLogin, newKeys, ORIGIN, proof, thumbprint, type TokenPair } from './support/dpop.js';
import { PASSWORD, register, STORES } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'admin password of enough length';
const CLIENT = 'orders-service';
const SECRET = 'orders-secret-0123456789';
const basic = (id: string, secret: string): string => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

/** RFC 7662 §2.1: a form-encoded POST with HTTP Basic client authentication. */
function introspect(http: App, token: string, auth = basic(CLIENT, SECRET)): request.Test {
  return request(http)
    .post('/oauth/introspect')
    .set('Authorization', auth)
    .type('form')
    .send({ token, token_type_hint: 'access_token' });
}

async function active(http: App, token: string): Promise<boolean> {
  const res = await introspect(http, token).expect(200);
  expect(res.headers['cache-control']).toMatch(/no-store/);
  const body = res.body as { active: boolean };
  if (!body.active) expect(body).toEqual({ active: false });
  return body.active;
}

async function login(http: App, email: string, password = PASSWORD): Promise<TokenPair> {
  return (await request(http).post('/auth/jwt/login').send({ email, password }).expect(200)).body as TokenPair;
}

describe.each(STORES)('Token introspection (RFC 7662) on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  let admin: TokenPair;
  beforeAll(async () => {
    t = await createTestApp({
      env: {
        ...storeEnv(),
        APP_URL: ORIGIN,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        INTROSPECTION_CLIENTS: `${CLIENT}:${SECRET},billing:billing-secret-0123456789`,
      },
    });
    admin = await login(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a caller that is not a configured client, whatever the token', async () => {
    const user = await register(t.http);
    const pair = await login(t.http, user.email);
    for (const auth of [
      undefined,
      `Bearer ${pair.accessToken}`,
      basic(CLIENT, `${SECRET}x`),
      basic(CLIENT, SECRET.slice(0, -1)),
      basic(CLIENT, 'billing-secret-0123456789'),
      basic('nobody', SECRET),
      'Basic !!!',
    ]) {
      const req = request(t.http).post('/oauth/introspect').type('form').send({ token: pair.accessToken });
      const res = await (auth ? req.set('Authorization', auth) : req);
      expect(res.status).toBe(401);
      expect(res.headers['www-authenticate']).toMatch(/^Basic /);
      expect(JSON.stringify(res.body)).not.toContain(user.id);
    }
  });

  it('describes a live access token, form-encoded or JSON, and says nothing of anything else', async () => {
    const user = await register(t.http);
    const pair = await login(t.http, user.email);
    const res = await introspect(t.http, pair.accessToken).expect(200);
    expect(res.body).toEqual({
      active: true,
      sub: user.id,
      sid: expect.any(String),
      jti: expect.any(String),
      iat: expect.any(Number),
      exp: expect.any(Number),
      iss: 'auth-server',
      aud: 'api',
      token_type: 'Bearer',
    });
    const json = await request(t.http)
      .post('/oauth/introspect')
      .set('Authorization', basic('billing', 'billing-secret-0123456789'))
      .send({ token: pair.accessToken })
      .expect(200);
    expect(json.body).toEqual(res.body);
    for (const token of ['garbage', `${pair.accessToken}x`, 'a.b.c', 'A'.repeat(43)]) {
      expect(await active(t.http, token)).toBe(false);
    }
  });

  it('refuses bad bodies with a 400, and form bodies on any other route with a 415', async () => {
    for (const body of ['', 'token=a&token=b', 'token=a&extra=1', 'token_type_hint=access_token']) {
      await request(t.http)
        .post('/oauth/introspect')
        .set('Authorization', basic(CLIENT, SECRET))
        .type('form')
        .send(body)
        .expect(400);
    }
    await request(t.http).post('/auth/jwt/login').type('form').send('email=a&password=b').expect(415);
  });

  it('a DPoP-bound token is introspected as DPoP with its cnf', async () => {
    const user = await register(t.http);
    const keys = await newKeys();
    const pair = await dpopLogin(t.http, user.email, keys);
    const res = await introspect(t.http, pair.accessToken).expect(200);
    expect(res.body).toMatchObject({ active: true, token_type: 'DPoP', cnf: { jkt: await thumbprint(keys) } });
  });

  it('a refresh token is introspected without being spent, and inactive once spent', async () => {
    const user = await register(t.http);
    const pair = await login(t.http, user.email);
    const res = await introspect(t.http, pair.refreshToken).expect(200);
    expect(res.body).toEqual({
      active: true,
      sub: user.id,
      sid: expect.any(String),
      exp: expect.any(Number),
      token_type: 'refresh_token',
    });
    expect(await active(t.http, pair.refreshToken)).toBe(true);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(200);
    expect(await active(t.http, pair.refreshToken)).toBe(false);
  });

  it('inactive at once after a logout', async () => {
    const user = await register(t.http);
    const pair = await login(t.http, user.email);
    expect(await active(t.http, pair.accessToken)).toBe(true);
    await request(t.http).post('/auth/jwt/logout').set('Authorization', `Bearer ${pair.accessToken}`).expect(204);
    expect(await active(t.http, pair.accessToken)).toBe(false);
    expect(await active(t.http, pair.refreshToken)).toBe(false);
  });

  it('inactive at once after DELETE /auth/sessions/:id from another session', async () => {
    const user = await register(t.http);
    const victim = await login(t.http, user.email);
    const other = await login(t.http, user.email);
    const auth = { Authorization: `Bearer ${other.accessToken}` };
    const sessions = (await request(t.http).get('/auth/sessions').set(auth).expect(200)).body as {
      id: string;
      current: boolean;
    }[];
    const target = sessions.find((s) => !s.current)!;
    await request(t.http).delete(`/auth/sessions/${target.id}`).set(auth).expect(204);
    expect(await active(t.http, victim.accessToken)).toBe(false);
    expect(await active(t.http, victim.refreshToken)).toBe(false);
    expect(await active(t.http, other.accessToken)).toBe(true);
  });

  it('inactive at once after a forced logout and after a deletion', async () => {
    const adminAuth = { Authorization: `Bearer ${admin.accessToken}` };
    for (const action of ['logout', 'delete'] as const) {
      const user = await register(t.http);
      const keys = await newKeys();
      const bearer = await login(t.http, user.email);
      const bound = await dpopLogin(t.http, user.email, keys);
      if (action === 'logout') await request(t.http).post(`/admin/users/${user.id}/logout`).set(adminAuth).expect(204);
      else await request(t.http).delete(`/admin/users/${user.id}`).set(adminAuth).expect(204);
      for (const token of [bearer.accessToken, bearer.refreshToken, bound.accessToken, bound.refreshToken]) {
        expect(await active(t.http, token)).toBe(false);
      }
      // The guard agrees: the same check, one code path.
      const me = await request(t.http)
        .get('/users/me')
        .set('Authorization', `DPoP ${bound.accessToken}`)
        .set('DPoP', await proof(keys, 'GET', '/users/me', { token: bound.accessToken }));
      expect(me.status).toBe(401);
    }
  });
});
