import request from 'supertest';
import { sessionLogin } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('Users (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers a user with a trimmed, lower-cased email and never returns a hash', async () => {
    const res = await request(t.http)
      .post('/users')
      .send({ email: '  Bob@Example.COM ', password: 'correct horse battery', displayName: 'Bob' })
      .expect(201);
    expect(res.body).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      email: 'bob@example.com',
      displayName: 'Bob',
      roles: ['user'],
      emailVerified: false,
      mfaEnabled: false,
      createdAt: expect.any(String),
    });
    expect(JSON.stringify(res.body)).not.toMatch(/argon2|passwordHash/);
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it('answers 409 for an email taken in another case or Unicode form', async () => {
    await request(t.http)
      .post('/users')
      .send({ email: 'carol@example.com', password: 'correct horse battery' })
      .expect(201);
    const res = await request(t.http)
      .post('/users')
      .send({ email: 'CAROL@example.com', password: 'another good password' })
      .expect(409);
    expect(res.body).toEqual({ statusCode: 409, message: 'Email already registered', error: 'Conflict' });
    // Fullwidth "ｃａｒｏｌ" folds to "carol" under NFKC: a look-alike cannot make a second account.
    await request(t.http)
      .post('/users')
      .send({ email: 'ｃａｒｏｌ@example.com', password: 'another good password' })
      .expect(409);
  });

  it('gives exactly one 201 when two sign-ups with one email race', async () => {
    const body = { email: 'race@example.com', password: 'correct horse battery' };
    const codes = (await Promise.all([1, 2].map(() => request(t.http).post('/users').send(body))))
      .map((r) => r.status)
      .sort();
    expect(codes).toEqual([201, 409]);
  });

  it.each([
    ['an invalid email', { email: 'not-an-email', password: 'correct horse battery' }],
    ['a password of 11 characters', { email: 'p11@example.com', password: 'a'.repeat(11) }],
    ['a password of 129 characters', { email: 'p129@example.com', password: 'a'.repeat(129) }],
    ['a missing password', { email: 'nopw@example.com' }],
    ['a numeric password', { email: 'num@example.com', password: 123456789012345 }],
    ['an operator object as email', { email: { $ne: null }, password: 'correct horse battery' }],
    ['an array as password', { email: 'arr@example.com', password: ['correct horse battery'] }],
    ['null as email', { email: null, password: 'correct horse battery' }],
    ['an unknown field', { email: 'extra@example.com', password: 'correct horse battery', isAdmin: true }],
    ['roles in the body', { email: 'roles@example.com', password: 'correct horse battery', roles: ['admin'] }],
  ])('answers 400 for %s', async (_, body) => {
    const res = await request(t.http).post('/users').send(body).expect(400);
    expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
  });

  it('counts password length in code points: 12 emoji are a valid password, never truncated', async () => {
    const password = '🔐'.repeat(12); // 24 UTF-16 units, 12 characters
    await request(t.http).post('/users').send({ email: 'emoji@example.com', password }).expect(201);
    await request(t.http)
      .post('/users')
      .send({ email: 'emoji11@example.com', password: '🔐'.repeat(11) })
      .expect(400);
    await request(t.http)
      .post('/users')
      .send({ email: 'long@example.com', password: 'é'.repeat(128) })
      .expect(201);
  });

  it('passwords follow RFC 8265 OpaqueString: two differing only in unpaired surrogates cannot both be set, nor control characters', async () => {
    // Both reach UTF-8 as the same bytes (U+FFFD), so they would verify alike; each is now refused.
    // (JSON.stringify escapes a lone surrogate as \ud800, as an attacker's raw body would.)
    for (const [email, password] of [
      ['lone-hi@example.com', 'correct horse\ud800 battery'],
      ['lone-lo@example.com', 'correct horse\udfff battery'],
      ['nul@example.com', 'correct horse\u0000battery'],
      ['esc@example.com', 'correct horse\u001b[2Jbattery'],
      ['c1@example.com', 'correct horse\u0085battery'],
    ]) {
      const res = await request(t.http).post('/users').send({ email, password }).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
      // Nothing was created: the address is still free.
      await request(t.http).post('/users').send({ email, password: 'correct horse battery' }).expect(201);
    }
  });

  it('a password set composed signs in typed decomposed, and the other way round, in both styles', async () => {
    const composed = 'caf\u00e9 cr\u00e8me br\u00fbl\u00e9e';
    const decomposed = composed.normalize('NFD');
    expect(decomposed).not.toBe(composed);
    const nbsp = 'correct\u00a0horse\u3000battery';
    for (const [email, set, typed] of [
      ['nfc@example.com', composed, decomposed],
      ['nfd@example.com', decomposed, composed],
      ['spaces@example.com', nbsp, 'correct horse battery'],
    ] as const) {
      await request(t.http).post('/users').send({ email, password: set }).expect(201);
      await sessionLogin(t.http, email, typed);
      await request(t.http).post('/auth/jwt/login').send({ email, password: typed }).expect(200);
      await request(t.http).post('/auth/jwt/login').send({ email, password: set }).expect(200);
    }
    // NFC, not NFKC: a compatibility character stays itself, so "ﬁ" is not "fi".
    await request(t.http)
      .post('/users')
      .send({ email: 'lig@example.com', password: 'de\ufb01ned password' })
      .expect(201);
    await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: 'lig@example.com', password: 'defined password' })
      .expect(401);
  });

  it('GET /users/me answers 401 without a credential', async () => {
    const res = await request(t.http).get('/users/me').expect(401);
    expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' });
  });
});
