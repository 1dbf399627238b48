import { jest } from '@jest/globals';
import request from 'supertest';
import { SessionStoreGateway } from '../src/session-store/session-store.gateway.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { PASSWORD, register, sessionLogin, setCookies, sleep, STORES } from './support/http.js';

describe.each(STORES)('Session style on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    env = storeEnv();
    t = await createTestApp({ env });
  });
  afterAll(async () => {
    await t.close();
  });

  it('login sets a new HttpOnly, SameSite=Lax, Path=/ session cookie of 256 random bits, and GET /users/me works with it', async () => {
    const user = await register(t.http);
    const res = await request(t.http)
      .post('/auth/session/login')
      .set('User-Agent', 'jest-agent')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    expect(res.body).toEqual({
      user: expect.objectContaining({ id: user.id, email: user.email }),
      csrfToken: expect.stringMatching(/^[\w-]{43}$/),
      expiresAt: expect.any(String),
    });
    const cookie = setCookies(res).sid!;
    expect(cookie.attributes).toMatch(/HttpOnly/i);
    expect(cookie.attributes).toMatch(/SameSite=Lax/i);
    expect(cookie.attributes).toMatch(/Path=\//);
    expect(cookie.attributes).not.toMatch(/Secure/i);
    // s:<id>.<signature>: the id is 32 random bytes in base64url.
    const id = decodeURIComponent(cookie.value).slice(2).split('.')[0]!;
    expect(id).toMatch(/^[\w-]{43}$/);
    const me = await request(t.http).get('/users/me').set('Cookie', cookie.pair).expect(200);
    expect(me.body).toMatchObject({ id: user.id, email: user.email });
  });

  it('touches the session store only for a request that carries the session cookie or signs in', async () => {
    const user = await register(t.http);
    const { store } = t.app.get(SessionStoreGateway);
    const reads = jest.spyOn(store, 'get');
    const writes = jest.spyOn(store, 'set');
    try {
      const { accessToken } = (
        await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD }).expect(200)
      ).body as { accessToken: string };
      await request(t.http).get('/users/me').set('Authorization', `Bearer ${accessToken}`).expect(200);
      await request(t.http).get('/users/me').expect(401);
      await request(t.http).get('/health').expect(200);
      await request(t.http).get('/users/me').set('Cookie', 'other=1; sidx=2').expect(401);
      expect(reads).not.toHaveBeenCalled();
      expect(writes).not.toHaveBeenCalled();
      // The login route, however it is spelled, makes one; the cookie then brings it back.
      const login = await request(t.http)
        .post('/AUTH/Session/login/')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      expect(writes).toHaveBeenCalled();
      await request(t.http).get('/users/me').set('Cookie', setCookies(login).sid!.pair).expect(200);
      expect(reads).toHaveBeenCalled();
    } finally {
      reads.mockRestore();
      writes.mockRestore();
    }
  });

  it('never authenticates a session id held before login (fixation): a planted cookie stays anonymous', async () => {
    const attacker = await register(t.http);
    const victim = await register(t.http);
    const planted = await sessionLogin(t.http, attacker.email);
    const res = await request(t.http)
      .post('/auth/session/login')
      .set('Cookie', planted.cookie)
      .send({ email: victim.email, password: PASSWORD })
      .expect(200);
    const issued = setCookies(res).sid!;
    expect(issued.pair).not.toBe(planted.cookie);
    await request(t.http).get('/users/me').set('Cookie', planted.cookie).expect(401);
    const me = await request(t.http).get('/users/me').set('Cookie', issued.pair).expect(200);
    expect(me.body.id).toBe(victim.id);
  });

  it('a re-login replaces the session: the old id gets 401', async () => {
    const user = await register(t.http);
    const first = await sessionLogin(t.http, user.email);
    const second = await sessionLogin(t.http, user.email, PASSWORD, { Cookie: first.cookie });
    expect(second.cookie).not.toBe(first.cookie);
    await request(t.http).get('/users/me').set('Cookie', first.cookie).expect(401);
    await request(t.http).get('/users/me').set('Cookie', second.cookie).expect(200);
  });

  it('a cookie with a forged signature or a made-up id is 401', async () => {
    const user = await register(t.http);
    const { cookie } = await sessionLogin(t.http, user.email);
    const tampered = cookie.slice(0, -3) + (cookie.endsWith('AAA') ? 'BBB' : 'AAA');
    await request(t.http).get('/users/me').set('Cookie', tampered).expect(401);
    await request(t.http).get('/users/me').set('Cookie', 'sid=s%3Amadeup.invalidsignature').expect(401);
  });

  it('logout needs the CSRF token: without it or with a wrong one 403 and the session lives; with it 204 and the cookie is dead', async () => {
    const user = await register(t.http);
    const { cookie, csrfToken } = await sessionLogin(t.http, user.email);
    const missing = await request(t.http).post('/auth/session/logout').set('Cookie', cookie).expect(403);
    expect(missing.body).toEqual({ statusCode: 403, message: 'Invalid CSRF token', error: 'Forbidden' });
    await request(t.http)
      .post('/auth/session/logout')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrfToken.slice(0, -1) + (csrfToken.endsWith('x') ? 'y' : 'x'))
      .expect(403);
    await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
    const fetched = await request(t.http).get('/auth/session/csrf').set('Cookie', cookie).expect(200);
    expect(fetched.body).toEqual({ csrfToken });
    const out = await request(t.http)
      .post('/auth/session/logout')
      .set('Cookie', cookie)
      .set('X-CSRF-Token', csrfToken)
      .expect(204);
    expect(setCookies(out).sid?.attributes).toMatch(/Expires=Thu, 01 Jan 1970/);
    await request(t.http).get('/users/me').set('Cookie', cookie).expect(401);
    await request(t.http).get('/auth/session/csrf').set('Cookie', cookie).expect(401);
  });

  it('answers an unknown email and a wrong password alike', async () => {
    const user = await register(t.http);
    const unknown = await request(t.http)
      .post('/auth/session/login')
      .send({ email: 'nobody@example.com', password: PASSWORD });
    const wrong = await request(t.http)
      .post('/auth/session/login')
      .send({ email: user.email, password: 'wrong password here' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body).toEqual({ statusCode: 401, message: 'Invalid credentials', error: 'Unauthorized' });
    expect(wrong.body).toEqual(unknown.body);
    expect(Object.keys(wrong.headers).sort()).toEqual(Object.keys(unknown.headers).sort());
    expect(unknown.headers['set-cookie']).toBeUndefined();
  });

  it.each([
    ['an operator object', { email: { $ne: null }, password: PASSWORD }],
    ['a missing password', { email: 'a@example.com' }],
    ['an unknown field', { email: 'a@example.com', password: PASSWORD, remember: true }],
    ['an array body', [{ email: 'a@example.com', password: PASSWORD }]],
  ])('answers 400 to a login with %s', async (_, body) => {
    await request(t.http)
      .post('/auth/session/login')
      .send(body as object)
      .expect(400);
  });

  it("lists the caller's sessions with current, kind, ip and user agent, and no secret", async () => {
    const user = await register(t.http);
    const a = await sessionLogin(t.http, user.email, PASSWORD, { 'User-Agent': 'agent-a' });
    const b = await sessionLogin(t.http, user.email, PASSWORD, { 'User-Agent': 'agent-b' });
    const res = await request(t.http).get('/auth/sessions').set('Cookie', a.cookie).expect(200);
    const list = res.body as { id: string; kind: string; current: boolean; userAgent: string; ip: string }[];
    expect(list).toHaveLength(2);
    expect(list.map((s) => s.userAgent).sort()).toEqual(['agent-a', 'agent-b']);
    expect(list.find((s) => s.current)?.userAgent).toBe('agent-a');
    for (const s of list) {
      expect(Object.keys(s).sort()).toEqual([
        'createdAt',
        'current',
        'expiresAt',
        'id',
        'ip',
        'kind',
        'lastSeenAt',
        'method',
        'userAgent',
      ]);
      expect(s.kind).toBe('cookie');
      expect((s as { method?: string }).method).toBe('password');
      expect(s.ip).toMatch(/127\.0\.0\.1/);
    }
    const sidA = decodeURIComponent(a.cookie.split('=')[1]!).slice(2).split('.')[0]!;
    expect(JSON.stringify(res.body)).not.toContain(sidA);
    // Ending the other session kills its cookie at once; the caller's own lives on.
    const other = list.find((s) => !s.current)!;
    await request(t.http).delete(`/auth/sessions/${other.id}`).set('Cookie', a.cookie).expect(403);
    await request(t.http)
      .delete(`/auth/sessions/${other.id}`)
      .set('Cookie', a.cookie)
      .set('X-CSRF-Token', a.csrfToken)
      .expect(204);
    await request(t.http).get('/users/me').set('Cookie', b.cookie).expect(401);
    await request(t.http).get('/users/me').set('Cookie', a.cookie).expect(200);
    const after = await request(t.http).get('/auth/sessions').set('Cookie', a.cookie).expect(200);
    expect(after.body).toHaveLength(1);
  });

  it("answers 404 for a session id that is not the caller's, and leaves it alive", async () => {
    const alice = await register(t.http);
    const bob = await register(t.http);
    const a = await sessionLogin(t.http, alice.email);
    const b = await sessionLogin(t.http, bob.email);
    const bobs = (await request(t.http).get('/auth/sessions').set('Cookie', b.cookie).expect(200)).body as {
      id: string;
    }[];
    await request(t.http)
      .delete(`/auth/sessions/${bobs[0]!.id}`)
      .set('Cookie', a.cookie)
      .set('X-CSRF-Token', a.csrfToken)
      .expect(404);
    for (const id of ['not-a-uuid', `${bobs[0]!.id}0`, bobs[0]!.id.replace(/-/g, ''), '%00']) {
      const res = await request(t.http)
        .delete(`/auth/sessions/${id}`)
        .set('Cookie', a.cookie)
        .set('X-CSRF-Token', a.csrfToken)
        .expect(404);
      expect(res.body).toEqual({ statusCode: 404, message: 'Session not found', error: 'Not Found' });
    }
    await request(t.http).get('/users/me').set('Cookie', b.cookie).expect(200);
    // An id is a UUID whatever the case of its hex digits: bob ends his own in upper case.
    await request(t.http)
      .delete(`/auth/sessions/${bobs[0]!.id.toUpperCase()}`)
      .set('Cookie', b.cookie)
      .set('X-CSRF-Token', b.csrfToken)
      .expect(204);
    await request(t.http).get('/users/me').set('Cookie', b.cookie).expect(401);
  });

  it('DELETE /auth/sessions ends every other session of the caller', async () => {
    const user = await register(t.http);
    const a = await sessionLogin(t.http, user.email);
    const b = await sessionLogin(t.http, user.email);
    const c = await sessionLogin(t.http, user.email);
    await request(t.http).delete('/auth/sessions').set('Cookie', a.cookie).set('X-CSRF-Token', a.csrfToken).expect(204);
    await request(t.http).get('/users/me').set('Cookie', b.cookie).expect(401);
    await request(t.http).get('/users/me').set('Cookie', c.cookie).expect(401);
    await request(t.http).get('/users/me').set('Cookie', a.cookie).expect(200);
  });

  it('keeps the session across a server restart', async () => {
    const user = await register(t.http);
    const { cookie } = await sessionLogin(t.http, user.email);
    await t.close();
    t = await createTestApp({ env, dataDir: t.dataDir });
    const me = await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
    expect(me.body.id).toBe(user.id);
  });
});

describe.each(STORES)('Session limits and timeouts on the %s (e2e)', (_, storeEnv) => {
  it('with SESSION_MAX_PER_USER=2 a third login ends the first', async () => {
    const t = await createTestApp({ env: { ...storeEnv(), SESSION_MAX_PER_USER: '2' } });
    try {
      const user = await register(t.http);
      const first = await sessionLogin(t.http, user.email);
      const second = await sessionLogin(t.http, user.email);
      const third = await sessionLogin(t.http, user.email);
      await request(t.http).get('/users/me').set('Cookie', first.cookie).expect(401);
      await request(t.http).get('/users/me').set('Cookie', second.cookie).expect(200);
      await request(t.http).get('/users/me').set('Cookie', third.cookie).expect(200);
      const list = await request(t.http).get('/auth/sessions').set('Cookie', third.cookie).expect(200);
      expect(list.body).toHaveLength(2);
    } finally {
      await t.close();
    }
  });

  it('ends an idle session, slides an active one, and ends it at the absolute timeout anyway', async () => {
    // Timeouts with seconds to spare between uses: a loaded CI machine may take a second for a request.
    const t = await createTestApp({ env: { ...storeEnv(), SESSION_IDLE_TIMEOUT: '3', SESSION_ABSOLUTE_TIMEOUT: '6' } });
    try {
      const user = await register(t.http);
      const idle = await sessionLogin(t.http, user.email);
      const active = await sessionLogin(t.http, user.email);
      const started = Date.now();
      // Used every half second, the active session outlives the 3 s idle timeout...
      while (Date.now() - started < 4500) {
        await request(t.http).get('/users/me').set('Cookie', active.cookie).expect(200);
        await sleep(500);
      }
      // ...while the idle one, unused for 4.5 s, is over.
      await request(t.http).get('/users/me').set('Cookie', idle.cookie).expect(401);
      // Past the 6 s absolute timeout, use does not help.
      while (Date.now() - started < 6300) {
        await sleep(400);
        await request(t.http).get('/users/me').set('Cookie', active.cookie);
      }
      await request(t.http).get('/users/me').set('Cookie', active.cookie).expect(401);
    } finally {
      await t.close();
    }
  });

  it('sets Secure and the __Host- prefix when COOKIE_SECURE=true', async () => {
    const t = await createTestApp({ env: { ...storeEnv(), COOKIE_SECURE: 'true', TRUST_PROXY: 'loopback' } });
    try {
      const user = await register(t.http);
      const res = await request(t.http)
        .post('/auth/session/login')
        .set('X-Forwarded-Proto', 'https')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      const cookie = setCookies(res)['__Host-sid'];
      expect(cookie?.attributes).toMatch(/Secure/i);
      expect(cookie?.attributes).toMatch(/Path=\//);
      expect(cookie?.attributes).not.toMatch(/Domain=/i);
    } finally {
      await t.close();
    }
  });
});
