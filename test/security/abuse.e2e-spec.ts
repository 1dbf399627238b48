import request from 'supertest';
import type { App } from 'supertest/types.js';
import { PASSWORD, register, STORES } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const login = (
  http: App,
  style: 'session' | 'jwt',
  email: string,
  password: string,
  headers: Record<string, string> = {},
): request.Test => request(http).post(`/auth/${style}/login`).set(headers).send({ email, password });

/** Status, body and headers of a refused login, minus what legitimately varies per response. */
const shape = (res: request.Response): unknown => {
  const headers = { ...res.headers } as Record<string, unknown>;
  for (const h of ['date', 'x-request-id', 'etag', 'content-length', 'retry-after']) delete headers[h];
  return { status: res.status, body: res.body as unknown, headers: Object.keys(headers).sort() };
};

describe.each(STORES)('Lockout on the %s (OWASP ASVS 5.0 V6.3.5)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    // A per-email rate limit higher than the lockout, so the lockout is what is seen.
    t = await createTestApp({
      env: {
        ...storeEnv(),
        LOGIN_MAX_FAILURES: '10',
        LOGIN_LOCK_SECONDS: '900',
        LOGIN_RATE_PER_EMAIL: '100',
        ADMIN_EMAIL: 'admin@example.com',
        ADMIN_PASSWORD: 'admin password long enough',
      },
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('fourteen wrong passwords in a row end in 429 with Retry-After, even with the right password, and another account is unaffected', async () => {
    const victim = await register(t.http);
    const bystander = await register(t.http);
    const codes: number[] = [];
    let last: request.Response | undefined;
    for (let i = 0; i < 14; i++) {
      // Both styles count together.
      last = await login(t.http, i % 2 ? 'jwt' : 'session', victim.email, `wrong password ${i}`);
      codes.push(last.status);
    }
    expect(codes.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(codes.slice(10)).toEqual([429, 429, 429, 429]);
    expect(Number(last!.headers['retry-after'])).toBeGreaterThan(800);
    expect(last!.body).toEqual({
      statusCode: 429,
      message: 'Too many login attempts, try again later',
      error: 'Too Many Requests',
    });
    // Locked even with the right password, in both styles, and the case of the email changes nothing.
    await login(t.http, 'session', victim.email, PASSWORD).expect(429);
    await login(t.http, 'jwt', victim.email.toUpperCase(), PASSWORD).expect(429);
    // One account's lock never blocks another.
    await login(t.http, 'session', bystander.email, PASSWORD).expect(200);

    const admin = await login(t.http, 'jwt', 'admin@example.com', 'admin password long enough').expect(200);
    const audit = await request(t.http)
      .get('/admin/audit')
      .query({ userId: victim.id, type: 'login.locked' })
      .set('Authorization', `Bearer ${(admin.body as { accessToken: string }).accessToken}`)
      .expect(200);
    expect((audit.body as { events: unknown[] }).events).toHaveLength(1);
  });

  it('a success resets the count of consecutive failures', async () => {
    const user = await register(t.http);
    for (let i = 0; i < 9; i++) await login(t.http, 'session', user.email, 'wrong password!!').expect(401);
    await login(t.http, 'session', user.email, PASSWORD).expect(200);
    for (let i = 0; i < 9; i++) await login(t.http, 'jwt', user.email, 'wrong password!!').expect(401);
    await login(t.http, 'jwt', user.email, PASSWORD).expect(200);
  });

  it('unknown email, wrong password and a locked account look alike but for Retry-After (no enumeration)', async () => {
    const user = await register(t.http);
    const unknown = await login(t.http, 'session', `nobody-${Date.now()}@example.com`, PASSWORD);
    const wrong = await login(t.http, 'session', user.email, 'wrong password!!');
    expect(shape(unknown)).toEqual(shape(wrong));
    // An unknown email locks exactly like a known one, so a lock does not reveal an account either.
    const ghost = `ghost-${Date.now()}@example.com`;
    for (let i = 0; i < 10; i++) await login(t.http, 'jwt', ghost, 'wrong password!!').expect(401);
    for (let i = 0; i < 10; i++) await login(t.http, 'jwt', user.email, 'wrong password!!');
    const lockedGhost = await login(t.http, 'jwt', ghost, 'wrong password!!');
    const lockedUser = await login(t.http, 'jwt', user.email, 'wrong password!!');
    expect(lockedGhost.status).toBe(429);
    expect(shape(lockedGhost)).toEqual(shape(lockedUser));
    expect(lockedGhost.headers['retry-after']).toBeDefined();
  });
});

describe.each(STORES)('Rate limits on the %s', (_, storeEnv) => {
  it('past LOGIN_RATE_PER_EMAIL attempts a minute for one email: 429 with Retry-After, other emails unaffected', async () => {
    const t = await createTestApp({ env: { ...storeEnv(), LOGIN_RATE_PER_EMAIL: '3', LOGIN_RATE_PER_IP: '100' } });
    try {
      const user = await register(t.http);
      const other = await register(t.http);
      for (let i = 0; i < 3; i++) await login(t.http, i % 2 ? 'jwt' : 'session', user.email, PASSWORD).expect(200);
      const limited = await login(t.http, 'session', user.email, PASSWORD).expect(429);
      expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
      expect(Number(limited.headers['retry-after'])).toBeLessThanOrEqual(60);
      await login(t.http, 'jwt', ` ${user.email.toUpperCase()} `, PASSWORD).expect(429);
      await login(t.http, 'jwt', other.email, PASSWORD).expect(200);
    } finally {
      await t.close();
    }
  });

  it('past LOGIN_RATE_PER_IP attempts from one client IP: 429; a forged X-Forwarded-For changes nothing without TRUST_PROXY', async () => {
    const t = await createTestApp({ env: { ...storeEnv(), LOGIN_RATE_PER_IP: '4', LOGIN_RATE_PER_EMAIL: '100' } });
    try {
      const user = await register(t.http);
      for (let i = 0; i < 4; i++)
        await login(t.http, 'session', user.email, PASSWORD, { 'X-Forwarded-For': `10.0.0.${i}` }).expect(200);
      const limited = await login(t.http, 'jwt', user.email, PASSWORD, { 'X-Forwarded-For': '10.9.9.9' }).expect(429);
      expect(limited.headers['retry-after']).toBeDefined();
      // Refresh is limited per IP too.
      for (let i = 0; i < 4; i++)
        await request(t.http)
          .post('/auth/jwt/refresh')
          .send({ refreshToken: 'x'.repeat(43) })
          .expect(401);
      await request(t.http)
        .post('/auth/jwt/refresh')
        .send({ refreshToken: 'x'.repeat(43) })
        .expect(429);
    } finally {
      await t.close();
    }
  });

  // TRUST_PROXY means what Express' `trust proxy` means, on either adapter: an address list, or a
  // hop count (Fastify would refuse a count outright; platform.ts gives it Express' reading).
  it.each([
    ['loopback', 'an address list'],
    ['1', 'a hop count'],
  ])('behind a trusted proxy (TRUST_PROXY=%s, %s) the client IP comes from X-Forwarded-For', async (trustProxy) => {
    const t = await createTestApp({
      env: { ...storeEnv(), LOGIN_RATE_PER_IP: '2', LOGIN_RATE_PER_EMAIL: '100', TRUST_PROXY: trustProxy },
    });
    try {
      const user = await register(t.http);
      for (let i = 0; i < 2; i++)
        await login(t.http, 'session', user.email, PASSWORD, { 'X-Forwarded-For': '203.0.113.1' }).expect(200);
      await login(t.http, 'session', user.email, PASSWORD, { 'X-Forwarded-For': '203.0.113.1' }).expect(429);
      await login(t.http, 'session', user.email, PASSWORD, { 'X-Forwarded-For': '203.0.113.2' }).expect(200);
      // The address the trusted proxy saw is the client, whatever the client prepended itself.
      await login(t.http, 'session', user.email, PASSWORD, { 'X-Forwarded-For': '198.51.100.7, 203.0.113.1' }).expect(
        429,
      );
    } finally {
      await t.close();
    }
  });
});
