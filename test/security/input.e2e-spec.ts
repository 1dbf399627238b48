import request from 'supertest';
import { DataSource } from 'typeorm';
import { PASSWORD, register, sessionLogin } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** OWASP ASVS 5.0 V1/V2 (validation) and CWE-1321 (prototype pollution): bad input gets a clear 4xx and changes nothing. */
describe('Hostile input (e2e)', () => {
  let t: TestApp;
  let users: () => Promise<number>;
  beforeAll(async () => {
    t = await createTestApp();
    const db = t.app.get(DataSource);
    users = async () => Number((await db.query<{ n: number | string }[]>('SELECT COUNT(*) AS n FROM users'))[0]!.n);
  });
  afterAll(async () => {
    await t.close();
  });

  it.each([
    ['an operator object', { email: { $ne: null }, password: PASSWORD }],
    ['a regex operator', { email: { $regex: '.*' }, password: PASSWORD }],
    ['an array email', { email: ['a@example.com'], password: PASSWORD }],
    ['a boolean password', { email: 'b@example.com', password: true }],
    ['a null password', { email: 'c@example.com', password: null }],
    ['a number email', { email: 42, password: PASSWORD }],
    ['an unknown field', { email: 'd@example.com', password: PASSWORD, admin: true }],
  ])('sign-up and both logins answer 400 to %s and create nothing', async (_, body) => {
    const before = await users();
    for (const path of ['/users', '/auth/session/login', '/auth/jwt/login']) {
      const res = await request(t.http).post(path).send(body).expect(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    }
    expect(await users()).toBe(before);
  });

  it.each([
    [
      '__proto__ at the top',
      `{"email":"p1@example.com","password":"${PASSWORD}","__proto__":{"polluted":"yes","roles":["admin"]}}`,
    ],
    [
      'constructor.prototype',
      `{"email":"p2@example.com","password":"${PASSWORD}","constructor":{"prototype":{"polluted":"yes"}}}`,
    ],
    [
      '__proto__ nested',
      `{"email":"p3@example.com","password":"${PASSWORD}","displayName":"x","x":{"__proto__":{"polluted":"yes"}}}`,
    ],
  ])('a body with %s is refused before it reaches an object, and pollutes nothing', async (_, raw) => {
    const before = await users();
    for (const path of ['/users', '/auth/session/login', '/auth/jwt/login']) {
      const res = await request(t.http).post(path).set('Content-Type', 'application/json').send(raw).expect(400);
      expect(JSON.stringify(res.body)).not.toMatch(/polluted|stack|at .*\.js/);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(await users()).toBe(before);
  });

  it.each([
    ['an email', `{"email":"lone\\ud800@example.com","password":"${PASSWORD}"}`],
    ['a low surrogate alone', `{"email":"x\\udc00y@example.com","password":"${PASSWORD}"}`],
    ['a password', `{"email":"s1@example.com","password":"correct horse\\ud800 battery"}`],
    ['a display name', `{"email":"s2@example.com","password":"${PASSWORD}","displayName":"\\udfff"}`],
    ['a key', `{"email":"s3@example.com","password":"${PASSWORD}","\\ud800":"x"}`],
    ['a nested value', `{"email":"s4@example.com","password":"${PASSWORD}","x":["\\ud83d"]}`],
  ])('an unpaired UTF-16 surrogate in %s is a 400 on every route, never a 500, and creates nothing', async (_, raw) => {
    const before = await users();
    for (const path of ['/users', '/auth/session/login', '/auth/jwt/login', '/auth/jwt/refresh']) {
      const res = await request(t.http).post(path).set('Content-Type', 'application/json').send(raw).expect(400);
      expect(res.body).toEqual({ statusCode: 400, message: 'Malformed request body', error: 'Bad Request' });
    }
    expect(await users()).toBe(before);
    // Control: the same bodies with a proper pair (an emoji) are read; sign-up answers on their content.
    const paired = raw.replace(/\\ud[89a-f][0-9a-f]{2}/i, '\\ud83d\\ude00');
    const res = await request(t.http).post('/users').set('Content-Type', 'application/json').send(paired);
    expect(res.status).not.toBe(500);
    expect(res.body.message).not.toBe('Malformed request body');
  });

  it.each([
    ['text/plain', 'text/plain', `{"email":"t@example.com","password":"${PASSWORD}"}`],
    ['a form', 'application/x-www-form-urlencoded', `email=t@example.com&password=${encodeURIComponent(PASSWORD)}`],
    [
      'multipart',
      'multipart/form-data; boundary=x',
      '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\nt@example.com\r\n--x--',
    ],
    ['a vendor JSON type', 'application/vnd.api+json', `{"email":"t@example.com","password":"${PASSWORD}"}`],
  ])('%s on a JSON route is 415 and creates nothing', async (_, type, body) => {
    const before = await users();
    for (const path of ['/users', '/auth/session/login', '/auth/jwt/login']) {
      await request(t.http).post(path).set('Content-Type', type).send(body).expect(415);
    }
    expect(await users()).toBe(before);
  });

  it('normalises emails (NFKC, case, spaces): look-alike and case variants meet the same account, never another', async () => {
    const alice = await register(t.http, 'alice.unicode@example.com');
    for (const variant of [
      'ALICE.UNICODE@EXAMPLE.COM',
      ' alice.unicode@example.com ',
      'ａｌｉｃｅ.unicode@example.com',
    ]) {
      await request(t.http).post('/users').send({ email: variant, password: 'another password 123' }).expect(409);
      const s = await sessionLogin(t.http, variant);
      expect(s.body.user.id).toBe(alice.id);
    }
    // Composed and decomposed "é" are one address.
    const composed = await register(t.http, 'jos\u00e9@example.com');
    await request(t.http).post('/users').send({ email: 'jose\u0301@example.com', password: PASSWORD }).expect(409);
    expect((await sessionLogin(t.http, 'jose\u0301@example.com')).body.user.id).toBe(composed.id);
  });

  it('oversized, deeply nested and odd bodies are a clean 4xx, never a 500', async () => {
    const big = JSON.stringify({ email: 'big@example.com', password: 'x'.repeat(200_000) });
    await request(t.http).post('/users').set('Content-Type', 'application/json').send(big).expect(413);
    const deep = '{"a":'.repeat(5000) + '1' + '}'.repeat(5000);
    const res = await request(t.http).post('/auth/jwt/login').set('Content-Type', 'application/json').send(deep);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    for (const raw of ['"just a string"', '42', 'null', '[]', '{"email":"\\ud800@example.com","password":"x"}']) {
      const r = await request(t.http).post('/auth/session/login').set('Content-Type', 'application/json').send(raw);
      expect(r.status).toBeGreaterThanOrEqual(400);
      expect(r.status).toBeLessThan(500);
    }
  });
});
