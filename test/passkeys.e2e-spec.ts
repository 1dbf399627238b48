import request from 'supertest';
import type { App } from 'supertest/types.js';
import { PASSWORD, register, setCookies, STORES } from './support/http.js';
import { SoftAuthenticator, strangerKey, type Tamper } from './support/soft-authenticator.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const ORIGIN = 'https://auth.example.test';
const RP_ID = 'auth.example.test';

const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });

interface PasskeyBody {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

interface Account {
  id: string;
  email: string;
  token: string;
}

async function signedIn(http: App): Promise<Account> {
  const user = await register(http);
  const res = await request(http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD }).expect(200);
  return { ...user, token: (res.body as { accessToken: string }).accessToken };
}

async function registerPasskey(
  http: App,
  account: Account,
  tamper: Tamper = {},
): Promise<{ status: number; body: PasskeyBody; soft: SoftAuthenticator }> {
  const soft = new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });
  const options = (await request(http).post('/users/me/passkeys/options').set(bearer(account.token)).expect(200)).body;
  const res = await request(http)
    .post('/users/me/passkeys')
    .set(bearer(account.token))
    .send({ credential: soft.create(options, tamper), name: 'Laptop' });
  return { status: res.status, body: res.body as PasskeyBody, soft };
}

async function assertion(http: App, soft: SoftAuthenticator, tamper: Tamper = {}): Promise<Record<string, unknown>> {
  const options = (await request(http).post('/auth/passkey/options').expect(200)).body as { challenge: string };
  return soft.get(options, tamper);
}

const activity = async (http: App, token: string): Promise<{ type: string; detail: Record<string, string> | null }[]> =>
  (
    (await request(http).get('/users/me/activity').set(bearer(token)).expect(200)).body as {
      events: { type: string; detail: Record<string, string> | null }[];
    }
  ).events;

describe.each(STORES)('Passkeys on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), APP_URL: ORIGIN } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('creation options name the RP from config, require a resident key and user verification', async () => {
    const account = await signedIn(t.http);
    const options = (await request(t.http).post('/users/me/passkeys/options').set(bearer(account.token)).expect(200))
      .body;
    expect(options).toMatchObject({
      rp: { id: RP_ID, name: 'Auth server' },
      user: { name: account.email },
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      challenge: expect.any(String),
    });
  });

  it('register, list, rename, remove; activity shows passkey.added and passkey.removed', async () => {
    const account = await signedIn(t.http);
    const { status, body, soft } = await registerPasskey(t.http, account);
    expect(status).toBe(201);
    expect(body).toEqual({ id: expect.any(String), name: 'Laptop', createdAt: expect.any(String), lastUsedAt: null });
    const list = (await request(t.http).get('/users/me/passkeys').set(bearer(account.token)).expect(200)).body;
    expect(list).toEqual([body]);
    expect(JSON.stringify(list)).not.toContain(soft.id);
    await request(t.http)
      .patch(`/users/me/passkeys/${body.id}`)
      .set(bearer(account.token))
      .send({ name: 'Phone' })
      .expect(200);
    expect((await request(t.http).get('/users/me/passkeys').set(bearer(account.token))).body[0].name).toBe('Phone');
    // Someone else's passkey is not found.
    const other = await signedIn(t.http);
    await request(t.http).delete(`/users/me/passkeys/${body.id}`).set(bearer(other.token)).expect(404);
    await request(t.http).delete(`/users/me/passkeys/${body.id}`).set(bearer(account.token)).expect(204);
    await request(t.http)
      .post('/auth/jwt/passkey')
      .send({ credential: await assertion(t.http, soft) })
      .expect(401);
    const types = (await activity(t.http, account.token)).map((e) => e.type);
    expect(types).toEqual(expect.arrayContaining(['passkey.added', 'passkey.removed']));
  });

  it.each<[string, Tamper]>([
    ['a wrong origin', { origin: 'https://evil.example' }],
    ['a wrong RP id', { rpId: 'evil.example' }],
    ['no user verification', { userVerified: false }],
    ['a made-up challenge', { challenge: 'bm90LWEtY2hhbGxlbmdl' }],
  ])('registration with %s is a 400 and stores nothing', async (_name, tamper) => {
    const account = await signedIn(t.http);
    const { status } = await registerPasskey(t.http, account, tamper);
    expect(status).toBe(400);
    expect((await request(t.http).get('/users/me/passkeys').set(bearer(account.token))).body).toEqual([]);
  });

  it('a registration challenge works once, and only for the user it was made for', async () => {
    const account = await signedIn(t.http);
    const other = await signedIn(t.http);
    const soft = new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID });
    const options = (await request(t.http).post('/users/me/passkeys/options').set(bearer(account.token)).expect(200))
      .body;
    const credential = soft.create(options);
    await request(t.http).post('/users/me/passkeys').set(bearer(other.token)).send({ credential }).expect(400);
    await request(t.http).post('/users/me/passkeys').set(bearer(account.token)).send({ credential }).expect(201);
    const again = new SoftAuthenticator({ origin: ORIGIN, rpId: RP_ID }).create(options);
    await request(t.http).post('/users/me/passkeys').set(bearer(account.token)).send({ credential: again }).expect(400);
  });

  it.each(['session', 'jwt'] as const)(
    '%s sign-in by passkey answers as that style, recorded as passkey, lastUsedAt kept',
    async (style) => {
      const account = await signedIn(t.http);
      const { soft } = await registerPasskey(t.http, account);
      const res = await request(t.http)
        .post(`/auth/${style}/passkey`)
        .send({ credential: await assertion(t.http, soft) })
        .expect(200);
      let sessions;
      if (style === 'session') {
        expect(Object.keys(res.body as object).sort()).toEqual(['csrfToken', 'expiresAt', 'user']);
        expect(res.body.user.id).toBe(account.id);
        const cookie = setCookies(res)['sid']!.pair;
        sessions = (await request(t.http).get('/auth/sessions').set('cookie', cookie).expect(200)).body;
      } else {
        expect(res.body).toMatchObject({ accessToken: expect.any(String), tokenType: 'Bearer' });
        expect(setCookies(res)['sid']).toBeUndefined();
        sessions = (await request(t.http).get('/auth/sessions').set(bearer(res.body.accessToken)).expect(200)).body;
      }
      expect(sessions.find((s: { current: boolean }) => s.current)).toMatchObject({ method: 'passkey' });
      const [key] = (await request(t.http).get('/users/me/passkeys').set(bearer(account.token))).body;
      expect(key.lastUsedAt).toEqual(expect.any(String));
    },
  );

  it('login CSRF: a cookie sign-in by passkey from another site is refused', async () => {
    const account = await signedIn(t.http);
    const { soft } = await registerPasskey(t.http, account);
    const res = await request(t.http)
      .post('/auth/session/passkey')
      .set('origin', 'https://evil.example')
      .send({ credential: await assertion(t.http, soft) })
      .expect(403);
    expect(res.headers['set-cookie']).toBeUndefined();
  });

  it('a passkey satisfies the second factor: a user with TOTP on signs in by passkey in one step', async () => {
    const account = await signedIn(t.http);
    const { soft } = await registerPasskey(t.http, account);
    const { secret } = (await request(t.http).post('/users/me/mfa/totp').set(bearer(account.token)).expect(200)).body;
    const { generate } = await import('otplib');
    await request(t.http)
      .post('/users/me/mfa/totp/confirm')
      .set(bearer(account.token))
      .send({ code: await generate({ secret }) })
      .expect(200);
    const pw = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: account.email, password: PASSWORD })
      .expect(200);
    expect(pw.body.mfaRequired).toBe(true);
    const res = await request(t.http)
      .post('/auth/jwt/passkey')
      .send({ credential: await assertion(t.http, soft) })
      .expect(200);
    expect(res.body.accessToken).toEqual(expect.any(String));
  });

  describe('attacks on sign-in', () => {
    let account: Account;
    let soft: SoftAuthenticator;
    beforeAll(async () => {
      account = await signedIn(t.http);
      soft = (await registerPasskey(t.http, account)).soft;
    });

    it.each<[string, () => Tamper]>([
      ['a wrong origin', () => ({ origin: 'https://evil.example' })],
      ['a wrong RP id', () => ({ rpId: 'evil.example' })],
      ['a signature by another key', () => ({ signWith: strangerKey() })],
      ['no user verification', () => ({ userVerified: false })],
      ['a registration type', () => ({ type: 'webauthn.create' })],
      ['a challenge the server never gave', () => ({ challenge: 'bm90LWEtY2hhbGxlbmdl' })],
    ])('%s: 401', async (_name, tamper) => {
      for (const style of ['session', 'jwt']) {
        const res = await request(t.http)
          .post(`/auth/${style}/passkey`)
          .send({ credential: await assertion(t.http, soft, tamper()) });
        expect(res.status).toBe(401);
        expect(res.headers['set-cookie']).toBeUndefined();
      }
    });

    it('a challenge works once: the same assertion replayed, or a new one on the spent challenge, is a 401', async () => {
      const options = (await request(t.http).post('/auth/passkey/options').expect(200)).body as { challenge: string };
      const first = soft.get(options);
      await request(t.http).post('/auth/jwt/passkey').send({ credential: first }).expect(200);
      await request(t.http).post('/auth/jwt/passkey').send({ credential: first }).expect(401);
      await request(t.http)
        .post('/auth/session/passkey')
        .send({ credential: soft.get(options) })
        .expect(401);
    });

    it('a counter that goes backwards (a cloned authenticator) is refused and audited', async () => {
      await request(t.http)
        .post('/auth/jwt/passkey')
        .send({ credential: await assertion(t.http, soft, { counter: 50 }) })
        .expect(200);
      await request(t.http)
        .post('/auth/jwt/passkey')
        .send({ credential: await assertion(t.http, soft, { counter: 50 }) })
        .expect(401);
      await request(t.http)
        .post('/auth/jwt/passkey')
        .send({ credential: await assertion(t.http, soft, { counter: 7 }) })
        .expect(401);
      const failures = (await activity(t.http, account.token)).filter((e) => e.type === 'mfa.failure');
      expect(failures.length).toBeGreaterThanOrEqual(2);
      expect(failures[0]!.detail).toMatchObject({ method: 'passkey', reason: 'counter_regressed' });
      await request(t.http)
        .post('/auth/jwt/passkey')
        .send({ credential: await assertion(t.http, soft, { counter: 51 }) })
        .expect(200);
    });

    it.each([
      ['no credential', {}],
      ['a string credential', { credential: 'x' }],
      ['an unknown field', { credential: {}, extra: 1 }],
    ])('%s is a 400', async (_name, body) => {
      await request(t.http).post('/auth/jwt/passkey').send(body).expect(400);
    });

    it('garbage inside the credential is a 401, never a 500', async () => {
      for (const credential of [
        {},
        { id: 1 },
        { id: soft.id, response: 'x' },
        { id: soft.id, response: { clientDataJSON: '!!' } },
      ]) {
        await request(t.http).post('/auth/jwt/passkey').send({ credential }).expect(401);
      }
    });
  });
});
