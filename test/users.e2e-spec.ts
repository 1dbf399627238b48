import request from 'supertest';
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

  it('GET /users/me answers 401 without a credential', async () => {
    const res = await request(t.http).get('/users/me').expect(401);
    expect(res.body).toEqual({ statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' });
  });
});
