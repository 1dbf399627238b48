import { generate } from 'otplib';
import request, { type Response } from 'supertest';
import type { App } from 'supertest/types.js';
import { DataSource } from 'typeorm';
import { TOTP_PERIOD_SECONDS } from '../src/mfa/totp.js';
import { PASSWORD, register, setCookies, STORES } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { decodePart, forgeHs256 } from './support/tokens.js';

/** The code of the step `offset` steps from now (the server accepts -1, 0 and +1). */
const totp = (secret: string, offset = 0): Promise<string> =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset * TOTP_PERIOD_SECONDS });

interface Enrolled {
  id: string;
  email: string;
  secret: string;
  recoveryCodes: string[];
  /** The Bearer token of the sign-in that enrolled. */
  token: string;
}

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

async function jwtLogin(http: App, email: string): Promise<Response> {
  return request(http).post('/auth/jwt/login').send({ email, password: PASSWORD }).expect(200);
}

/** A user with TOTP on: enrolled and confirmed with the code of the current step (now spent). */
async function enrolled(http: App): Promise<Enrolled & { confirmCode: string }> {
  const user = await register(http);
  const token = ((await jwtLogin(http, user.email)).body as { accessToken: string }).accessToken;
  const start = await request(http).post('/users/me/mfa/totp').set(bearer(token)).expect(200);
  const { secret } = start.body as { secret: string };
  const confirmCode = await totp(secret);
  const done = await request(http).post('/users/me/mfa/totp/confirm').set(bearer(token)).send({ code: confirmCode });
  expect(done.status).toBe(200);
  return {
    ...user,
    secret,
    token,
    confirmCode,
    recoveryCodes: (done.body as { recoveryCodes: string[] }).recoveryCodes,
  };
}

async function mfaToken(http: App, style: 'session' | 'jwt', email: string): Promise<string> {
  const res = await request(http).post(`/auth/${style}/login`).send({ email, password: PASSWORD }).expect(200);
  expect(res.body).toEqual({ mfaRequired: true, mfaToken: expect.any(String), methods: ['totp', 'recovery_code'] });
  return (res.body as { mfaToken: string }).mfaToken;
}

/** `mfaEnabled` as `GET /users/me` answers it now. */
const mfaShown = async (http: App, token: string): Promise<boolean> =>
  ((await request(http).get('/users/me').set(bearer(token)).expect(200)).body as { mfaEnabled: boolean }).mfaEnabled;

const activityTypes = async (http: App, token: string): Promise<string[]> =>
  (
    (await request(http).get('/users/me/activity').set(bearer(token)).expect(200)).body as {
      events: { type: string }[];
    }
  ).events.map((e) => e.type);

describe.each(STORES)('Second factor (TOTP) on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), LOGIN_MAX_FAILURES: '8' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('deleting the account takes its TOTP secret and recovery codes with it', async () => {
    const user = await enrolled(t.http);
    const rows = async (): Promise<number> => {
      const ds = t.app.get(DataSource);
      let n = 0;
      for (const table of ['mfa_totp', 'mfa_recovery_codes']) {
        const [row] = await ds.query<{ n: number | string }[]>(
          `SELECT COUNT(*) AS n FROM ${table} WHERE "userId" = ${ds.options.type === 'postgres' ? '$1' : '?'}`,
          [user.id],
        );
        n += Number(row!.n);
      }
      return n;
    };
    expect(await rows()).toBeGreaterThan(0);
    await request(t.http).delete('/users/me').set(bearer(user.token)).expect(204);
    expect(await rows()).toBe(0);
  });

  it('enrolment answers the secret, an otpauth URI (issuer:email label, issuer parameter) and an SVG QR code; the secret is stored sealed', async () => {
    const user = await register(t.http);
    const token = ((await jwtLogin(t.http, user.email)).body as { accessToken: string }).accessToken;
    const res = await request(t.http).post('/users/me/mfa/totp').set(bearer(token)).expect(200);
    const body = res.body as { secret: string; otpauthUri: string; qrCodeSvg: string };
    expect(body.secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(body.otpauthUri.startsWith(`otpauth://totp/Auth%20server:${encodeURIComponent(user.email)}?`)).toBe(true);
    const uri = new URL(body.otpauthUri);
    expect(uri.searchParams.get('secret')).toBe(body.secret);
    expect(uri.searchParams.get('issuer')).toBe('Auth server');
    expect(body.qrCodeSvg).toMatch(/^<svg[\s\S]*<\/svg>\s*$/);
    const rows = await t.app.get(DataSource).query<Record<string, unknown>[]>('SELECT * FROM mfa_totp');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(body.secret);
    // Not on yet: the password alone still signs in.
    expect((await jwtLogin(t.http, user.email)).body).toHaveProperty('accessToken');
  });

  it('confirmation: a wrong code is a 400 and changes nothing; a right one answers ten distinct recovery codes once; a second enrolment is a 409', async () => {
    const user = await register(t.http);
    const token = ((await jwtLogin(t.http, user.email)).body as { accessToken: string }).accessToken;
    await request(t.http).post('/users/me/mfa/totp/confirm').set(bearer(token)).send({ code: '123456' }).expect(400);
    const { secret } = (await request(t.http).post('/users/me/mfa/totp').set(bearer(token)).expect(200)).body as {
      secret: string;
    };
    const wrong = (await totp(secret)) === '000000' ? '111111' : '000000';
    await request(t.http).post('/users/me/mfa/totp/confirm').set(bearer(token)).send({ code: wrong }).expect(400);
    expect((await jwtLogin(t.http, user.email)).body).toHaveProperty('accessToken');
    // Read just before: the instance holds the record in memory, and the change must show at once.
    expect(await mfaShown(t.http, token)).toBe(false);
    const ok = await request(t.http)
      .post('/users/me/mfa/totp/confirm')
      .set(bearer(token))
      .send({ code: await totp(secret) })
      .expect(200);
    const codes = (ok.body as { recoveryCodes: string[] }).recoveryCodes;
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    codes.forEach((c) => expect(c).toMatch(/^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$/));
    expect(await mfaShown(t.http, token)).toBe(true);
    const stored = JSON.stringify(await t.app.get(DataSource).query('SELECT * FROM mfa_recovery_codes'));
    codes.forEach((c) => expect(stored).not.toContain(c));
    await request(t.http).post('/users/me/mfa/totp').set(bearer(token)).expect(409);
    expect(await activityTypes(t.http, token)).toContain('mfa.enabled');
  });

  it.each(['session', 'jwt'] as const)(
    '%s login with the second factor on: mfaRequired, and no cookie, no token, no session',
    async (style) => {
      const user = await enrolled(t.http);
      const before = (
        (await request(t.http).get('/auth/sessions').set(bearer(user.token)).expect(200)).body as unknown[]
      ).length;
      const res = await request(t.http)
        .post(`/auth/${style}/login`)
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      expect(Object.keys(res.body as object).sort()).toEqual(['methods', 'mfaRequired', 'mfaToken']);
      expect(res.headers['set-cookie']).toBeUndefined();
      const after = (await request(t.http).get('/auth/sessions').set(bearer(user.token)).expect(200)).body as unknown[];
      expect(after).toHaveLength(before);
      // A wrong password is still just a wrong password.
      await request(t.http)
        .post(`/auth/${style}/login`)
        .send({ email: user.email, password: 'wrong password!' })
        .expect(401);
    },
  );

  it('the code finishes a cookie login as a cookie login (never tokens), recorded as password+totp; the same code is refused the second time', async () => {
    const user = await enrolled(t.http);
    // The code that confirmed enrolment counts as used.
    await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: await mfaToken(t.http, 'session', user.email), code: user.confirmCode })
      .expect(401);
    const code = await totp(user.secret, 1);
    const res = await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: await mfaToken(t.http, 'session', user.email), code })
      .expect(200);
    expect(Object.keys(res.body as object).sort()).toEqual(['csrfToken', 'expiresAt', 'user']);
    const cookie = setCookies(res)['sid'];
    expect(cookie?.attributes).toMatch(/HttpOnly/i);
    expect(setCookies(res)['refresh_token']).toBeUndefined();
    const sessions = (await request(t.http).get('/auth/sessions').set('cookie', cookie!.pair).expect(200)).body as {
      current: boolean;
      method: string;
      kind: string;
    }[];
    expect(sessions.find((s) => s.current)).toMatchObject({ kind: 'cookie', method: 'password+totp' });
    // Replay: the same code on a new mfaToken, as an attacker who saw it would.
    await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: await mfaToken(t.http, 'jwt', user.email), code })
      .expect(401);
  });

  it('login CSRF: another site cannot finish a cookie sign-in in this browser (its own mfaToken and code)', async () => {
    const attacker = await enrolled(t.http);
    const res = await request(t.http)
      .post('/auth/mfa/verify')
      .set('origin', 'https://evil.example')
      .send({ mfaToken: await mfaToken(t.http, 'session', attacker.email), code: await totp(attacker.secret, 1) })
      .expect(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a JWT-started sign-in finishes as a JWT login (never a cookie); a recovery code works once; an mfaToken works once', async () => {
    const user = await enrolled(t.http);
    const token = await mfaToken(t.http, 'jwt', user.email);
    const res = await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: token, recoveryCode: user.recoveryCodes[0]!.toLowerCase() })
      .expect(200);
    expect(res.body).toMatchObject({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      refreshToken: expect.any(String),
    });
    expect(setCookies(res)['sid']).toBeUndefined();
    expect(setCookies(res)['refresh_token']).toBeDefined();
    const access = (res.body as { accessToken: string }).accessToken;
    const sessions = (await request(t.http).get('/auth/sessions').set(bearer(access)).expect(200)).body as {
      current: boolean;
      method: string;
    }[];
    expect(sessions.find((s) => s.current)?.method).toBe('recovery_code');
    // The mfaToken is spent, even with another good code.
    await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: token, recoveryCode: user.recoveryCodes[1] })
      .expect(401);
    // The recovery code is spent.
    await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: await mfaToken(t.http, 'session', user.email), recoveryCode: user.recoveryCodes[0] })
      .expect(401);
  });

  it('the fifth wrong code ends the mfaToken: a sixth try with the right code is refused; failures are audited and count toward the lockout', async () => {
    const user = await enrolled(t.http);
    const token = await mfaToken(t.http, 'jwt', user.email);
    const good = await totp(user.secret, 1);
    const wrong = good === '000000' ? '111111' : '000000';
    for (let i = 0; i < 5; i++)
      await request(t.http).post('/auth/mfa/verify').send({ mfaToken: token, code: wrong }).expect(401);
    await request(t.http).post('/auth/mfa/verify').send({ mfaToken: token, code: good }).expect(401);
    const types = await activityTypes(t.http, user.token);
    expect(types.filter((x) => x === 'mfa.failure')).toHaveLength(5);
    // LOGIN_MAX_FAILURES is 8 here: 3 more wrong codes on a new token lock the account, right code or not.
    const next = await mfaToken(t.http, 'jwt', user.email);
    for (let i = 0; i < 3; i++)
      await request(t.http).post('/auth/mfa/verify').send({ mfaToken: next, code: wrong }).expect(401);
    await request(t.http).post('/auth/mfa/verify').send({ mfaToken: next, code: good }).expect(429);
    await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD }).expect(429);
  });

  it('turning it off and new recovery codes: the old set stops working, the new one works; activity shows it', async () => {
    const user = await enrolled(t.http);
    const fresh = await request(t.http).post('/users/me/mfa/recovery-codes').set(bearer(user.token)).expect(200);
    const codes = (fresh.body as { recoveryCodes: string[] }).recoveryCodes;
    await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: await mfaToken(t.http, 'jwt', user.email), recoveryCode: user.recoveryCodes[2] })
      .expect(401);
    await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: await mfaToken(t.http, 'jwt', user.email), recoveryCode: codes[0] })
      .expect(200);
    expect(await mfaShown(t.http, user.token)).toBe(true);
    await request(t.http).delete('/users/me/mfa/totp').set(bearer(user.token)).expect(204);
    expect(await mfaShown(t.http, user.token)).toBe(false);
    expect((await jwtLogin(t.http, user.email)).body).toHaveProperty('accessToken');
    await request(t.http).post('/users/me/mfa/recovery-codes').set(bearer(user.token)).expect(409);
    const types = await activityTypes(t.http, user.token);
    expect(types).toEqual(expect.arrayContaining(['mfa.enabled', 'mfa.disabled', 'mfa.failure']));
  });

  it.each([
    ['neither code nor recoveryCode', { mfaToken: 'x' }],
    ['both', { mfaToken: 'x', code: '123456', recoveryCode: 'AAAA-BBBB' }],
    ['a code that is not 6 digits', { mfaToken: 'x', code: '12345a' }],
    ['an unknown field', { mfaToken: 'x', code: '123456', admin: true }],
    ['an object as code', { mfaToken: 'x', code: { $ne: null } }],
  ])('verify with %s is a 400', async (_name, body) => {
    const res = await request(t.http).post('/auth/mfa/verify').send(body).expect(400);
    expect(JSON.stringify(res.body)).not.toMatch(/stack|Error:/);
  });

  it('an unknown mfaToken is a 401; enrolment routes need a signed-in user', async () => {
    await request(t.http).post('/auth/mfa/verify').send({ mfaToken: 'made-up', code: '123456' }).expect(401);
    await request(t.http).post('/users/me/mfa/totp').expect(401);
    await request(t.http).post('/users/me/mfa/totp/confirm').send({ code: '123456' }).expect(401);
  });
});

describe('Second factor across two instances on Redis (e2e)', () => {
  it('the password step on one instance, the code step on the other; the code is then refused on the first', async () => {
    const env = STORES[1]![1]();
    const a = await createTestApp({ env });
    const b = await createTestApp({ env, dataDir: a.dataDir });
    try {
      const user = await enrolled(a.http);
      const code = await totp(user.secret, 1);
      const token = await mfaToken(a.http, 'jwt', user.email);
      await request(b.http).post('/auth/mfa/verify').send({ mfaToken: token, code }).expect(200);
      await request(a.http).post('/auth/mfa/verify').send({ mfaToken: token, code }).expect(401);
      await request(a.http)
        .post('/auth/mfa/verify')
        .send({ mfaToken: await mfaToken(b.http, 'session', user.email), code })
        .expect(401);
    } finally {
      await b.close();
      await a.close();
    }
  });
});

describe('Step-up: the second factor and passkeys need a recent sign-in (e2e)', () => {
  const SECRET = 'mfa-step-up-secret-of-at-least-32-bytes-xxx';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { JWT_SECRET: SECRET } });
  });
  afterAll(async () => {
    await t.close();
  });

  /** A genuine token (the real key) whose sign-in is older than REAUTH_MAX_AGE (900 s). */
  const stale = (token: string): string => {
    const claims = decodePart(token, 1);
    return forgeHs256(decodePart(token, 0), { ...claims, auth_time: (claims.auth_time as number) - 901 }, SECRET);
  };

  it.each([
    ['POST', '/users/me/mfa/totp'],
    ['DELETE', '/users/me/mfa/totp'],
    ['POST', '/users/me/mfa/recovery-codes'],
    ['POST', '/users/me/passkeys/options'],
    ['DELETE', '/users/me/passkeys/00000000-0000-4000-8000-000000000000'],
  ])('%s %s with a stale sign-in: 403 Recent sign-in required, nothing changes', async (method, path) => {
    const user = await enrolled(t.http);
    const old = stale(user.token);
    await request(t.http).get('/users/me').set(bearer(old)).expect(200);
    const res = await request(t.http)[method === 'POST' ? 'post' : 'delete'](path).set(bearer(old)).expect(403);
    expect(res.body).toEqual({ statusCode: 403, message: 'Recent sign-in required', error: 'Forbidden' });
    // Still on: the password alone does not sign in.
    expect((await jwtLogin(t.http, user.email)).body).toHaveProperty('mfaRequired', true);
  });

  it('a sign-in finished by the second step is a fresh one', async () => {
    const user = await enrolled(t.http);
    const res = await request(t.http)
      .post('/auth/mfa/verify')
      .send({ mfaToken: await mfaToken(t.http, 'jwt', user.email), code: await totp(user.secret, 1) })
      .expect(200);
    const access = (res.body as { accessToken: string }).accessToken;
    await request(t.http).post('/users/me/mfa/recovery-codes').set(bearer(access)).expect(200);
  });
});
