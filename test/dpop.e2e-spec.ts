import { exportJWK } from 'jose';
import { generate } from 'otplib';
import { TOTP_PERIOD_SECONDS } from '../src/mfa/totp.js';
import { createHash, randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import request from 'supertest';
import { EphemeralStore } from '../src/ephemeral-store/ephemeral-store.js';
import { RedisEphemeralStore } from '../src/ephemeral-store/redis-ephemeral-store.js';
import type { Redis } from '../src/redis/redis.module.js';
import type { App } from 'supertest/types.js';
import { craftProof, dpopGet, dpopLogin, newKeys, ORIGIN, proof, thumbprint, type TokenPair } from './support/dpop.js';
import { PASSWORD, register, sleep, STORES } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';
import { decodePart } from './support/tokens.js';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'admin password of enough length';
const ALGS = 'algs="ES256 EdDSA Ed25519 RS256 PS256"';
/** The TOTP code of the step `offset` steps from now. */
const totp = (secret: string, offset: number): Promise<string> =>
  generate({ secret, epoch: Math.floor(Date.now() / 1000) + offset * TOTP_PERIOD_SECONDS });
const ath = (token: string): string => createHash('sha256').update(token).digest('base64url');

function expectResourceRefusal(res: request.Response, error: string): void {
  expect(res.status).toBe(401);
  expect(res.headers['www-authenticate']).toBe(`DPoP error="${error}", ${ALGS}`);
  expect(res.body).toMatchObject({ statusCode: 401 });
}

function expectTokenEndpointRefusal(res: request.Response, error = 'invalid_dpop_proof'): void {
  expect(res.status).toBe(400);
  expect(res.body).toMatchObject({ statusCode: 400, error });
  expect(res.body).not.toHaveProperty('accessToken');
  expect(res.headers['set-cookie']).toBeUndefined();
}

const refresh = (http: App, refreshToken: string, dpop?: string): request.Test => {
  const req = request(http).post('/auth/jwt/refresh');
  if (dpop !== undefined) void req.set('DPoP', dpop);
  return req.send({ refreshToken });
};

describe.each(STORES)('DPoP (RFC 9449) on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), APP_URL: `${ORIGIN}/`, ADMIN_EMAIL, ADMIN_PASSWORD } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a login with a proof binds the session: tokenType DPoP, cnf.jkt the key thumbprint, usable as DPoP', async () => {
    const user = await register(t.http);
    for (const alg of ['ES256', 'Ed25519', 'RS256'] as const) {
      const keys = await newKeys(alg);
      const pair = await dpopLogin(t.http, user.email, keys);
      expect(pair.tokenType).toBe('DPoP');
      const payload = decodePart(pair.accessToken, 1);
      expect(payload.cnf).toEqual({ jkt: await thumbprint(keys) });
      const res = await dpopGet(t.http, '/users/me', pair.accessToken, keys);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: user.id });
    }
  });

  it('an unbound login stays Bearer and cannot be used with the DPoP scheme', async () => {
    const user = await register(t.http);
    const res = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    const pair = res.body as TokenPair;
    expect(pair.tokenType).toBe('Bearer');
    expect(decodePart(pair.accessToken, 1)).not.toHaveProperty('cnf');
    await request(t.http).get('/users/me').set('Authorization', `Bearer ${pair.accessToken}`).expect(200);
    expectResourceRefusal(await dpopGet(t.http, '/users/me', pair.accessToken, await newKeys()), 'invalid_token');
  });

  describe('a stolen bound access token is refused', () => {
    let keys: Awaited<ReturnType<typeof newKeys>>;
    let token: string;
    beforeAll(async () => {
      const user = await register(t.http);
      keys = await newKeys();
      token = (await dpopLogin(t.http, user.email, keys)).accessToken;
    });

    it('as Bearer', async () => {
      const res = await request(t.http).get('/users/me').set('Authorization', `Bearer ${token}`);
      expectResourceRefusal(res, 'invalid_token');
    });

    it('as DPoP without a proof, or with two', async () => {
      expectResourceRefusal(
        await request(t.http).get('/users/me').set('Authorization', `DPoP ${token}`),
        'invalid_dpop_proof',
      );
      const one = await proof(keys, 'GET', '/users/me', { token });
      const two = await proof(keys, 'GET', '/users/me', { token });
      expectResourceRefusal(
        await dpopGet(t.http, '/users/me', token, keys, { proof: `${one}, ${two}` }),
        'invalid_dpop_proof',
      );
    });

    it('with a replayed proof', async () => {
      const p = await proof(keys, 'GET', '/users/me', { token });
      expect((await dpopGet(t.http, '/users/me', token, keys, { proof: p })).status).toBe(200);
      expectResourceRefusal(await dpopGet(t.http, '/users/me', token, keys, { proof: p }), 'invalid_dpop_proof');
    });

    it('with a proof for another method or another URL', async () => {
      for (const p of [
        await proof(keys, 'POST', '/users/me', { token }),
        await proof(keys, 'GET', '/auth/sessions', { token }),
        await craftProof(keys, { htm: 'GET', htu: `https://evil.example.test/users/me`, ath: ath(token) }),
        await craftProof(keys, { htm: 'GET', htu: `http://auth.example.test/users/me`, ath: ath(token) }),
        await craftProof(keys, { htm: 'GET', htu: `${ORIGIN}/users/me/`, ath: ath(token) }),
      ]) {
        expectResourceRefusal(await dpopGet(t.http, '/users/me', token, keys, { proof: p }), 'invalid_dpop_proof');
      }
      // §4.3: query and fragment are ignored, and the URL is compared after normalisation.
      for (const htu of [`${ORIGIN}/users/me?x=1#f`, 'HTTPS://AUTH.example.test:443/users/me']) {
        const p = await craftProof(keys, { htm: 'GET', htu, ath: ath(token) });
        expect((await dpopGet(t.http, '/users/me', token, keys, { proof: p })).status).toBe(200);
      }
    });

    it('with a proof without ath or with the ath of another token', async () => {
      for (const p of [
        await proof(keys, 'GET', '/users/me'),
        await proof(keys, 'GET', '/users/me', { token: `${token}x` }),
      ]) {
        expectResourceRefusal(await dpopGet(t.http, '/users/me', token, keys, { proof: p }), 'invalid_dpop_proof');
      }
    });

    it('with a proof dated more than 60 s away', async () => {
      const now = Math.floor(Date.now() / 1000);
      for (const iat of [now - 120, now + 120]) {
        const p = await craftProof(keys, { htm: 'GET', htu: `${ORIGIN}/users/me`, ath: ath(token), iat });
        expectResourceRefusal(await dpopGet(t.http, '/users/me', token, keys, { proof: p }), 'invalid_dpop_proof');
      }
    });

    it('with a proof by another key (the thief’s own)', async () => {
      const thief = await newKeys();
      expectResourceRefusal(await dpopGet(t.http, '/users/me', token, thief), 'invalid_dpop_proof');
    });

    it('with alg none, a symmetric alg, a private jwk, or another typ', async () => {
      const claims = { htm: 'GET', htu: `${ORIGIN}/users/me`, ath: ath(token) };
      const privateJwk = await exportJWK(keys.privateKey);
      for (const p of [
        await craftProof(keys, claims, { alg: 'none' }),
        await craftProof(keys, claims, { alg: 'HS256' }).catch(() => 'x.y.z'),
        await craftProof(keys, claims, { jwk: privateJwk }),
        await craftProof(keys, claims, { typ: 'JWT' }),
        await craftProof(keys, { ...claims, jti: undefined }),
      ]) {
        expectResourceRefusal(await dpopGet(t.http, '/users/me', token, keys, { proof: p }), 'invalid_dpop_proof');
      }
    });

    it('yet works with a fresh proof by its key, and logs out as DPoP', async () => {
      expect((await dpopGet(t.http, '/users/me', token, keys)).status).toBe(200);
      await request(t.http)
        .post('/auth/jwt/logout')
        .set('Authorization', `DPoP ${token}`)
        .set('DPoP', await proof(keys, 'POST', '/auth/jwt/logout', { token }))
        .expect(204);
      expectResourceRefusal(await dpopGet(t.http, '/users/me', token, keys), 'invalid_token');
    });
  });

  it('a login with a bad proof gets 400 invalid_dpop_proof and no tokens', async () => {
    const user = await register(t.http);
    const keys = await newKeys();
    const body = { email: user.email, password: PASSWORD };
    for (const p of [
      await proof(keys, 'POST', '/auth/jwt/refresh'),
      await proof(keys, 'GET', '/auth/jwt/login'),
      await craftProof(keys, { htm: 'POST', htu: `${ORIGIN}/auth/jwt/login` }, { alg: 'none' }),
      await craftProof(
        keys,
        { htm: 'POST', htu: `${ORIGIN}/auth/jwt/login` },
        { jwk: await exportJWK(keys.privateKey) },
      ),
      'not-a-jwt',
    ]) {
      expectTokenEndpointRefusal(await request(t.http).post('/auth/jwt/login').set('DPoP', p).send(body));
    }
    // The proof is checked first: a bad one is refused before the password is even looked at.
    expectTokenEndpointRefusal(
      await request(t.http)
        .post('/auth/jwt/login')
        .set('DPoP', 'not-a-jwt')
        .send({ email: user.email, password: 'wrong password, long enough' }),
    );
    // A replayed login proof too.
    const p = await proof(keys, 'POST', '/auth/jwt/login');
    await request(t.http).post('/auth/jwt/login').set('DPoP', p).send(body).expect(200);
    expectTokenEndpointRefusal(await request(t.http).post('/auth/jwt/login').set('DPoP', p).send(body));
  });

  describe('refresh of a bound session', () => {
    it('needs a proof by the same key; the new pair is bound to it', async () => {
      const user = await register(t.http);
      const keys = await newKeys();
      const pair = await dpopLogin(t.http, user.email, keys);
      const res = await refresh(t.http, pair.refreshToken, await proof(keys, 'POST', '/auth/jwt/refresh')).expect(200);
      const next = res.body as TokenPair;
      expect(next.tokenType).toBe('DPoP');
      expect(decodePart(next.accessToken, 1).cnf).toEqual({ jkt: await thumbprint(keys) });
      expect((await dpopGet(t.http, '/users/me', next.accessToken, keys)).status).toBe(200);
    });

    it('without a proof is refused, and the session and its token are kept', async () => {
      const user = await register(t.http);
      const keys = await newKeys();
      const pair = await dpopLogin(t.http, user.email, keys);
      expectTokenEndpointRefusal(await refresh(t.http, pair.refreshToken));
      expect((await dpopGet(t.http, '/users/me', pair.accessToken, keys)).status).toBe(200);
      // The refresh token was not spent by the refused attempt.
      await refresh(t.http, pair.refreshToken, await proof(keys, 'POST', '/auth/jwt/refresh')).expect(200);
    });

    it('with another key is refused, ends the session, and is audited', async () => {
      const user = await register(t.http);
      const keys = await newKeys();
      const pair = await dpopLogin(t.http, user.email, keys);
      const thief = await newKeys();
      expectTokenEndpointRefusal(
        await refresh(t.http, pair.refreshToken, await proof(thief, 'POST', '/auth/jwt/refresh')),
      );
      // The family is over: neither its refresh token nor its access token works, even for the owner.
      await refresh(t.http, pair.refreshToken, await proof(keys, 'POST', '/auth/jwt/refresh')).expect(401);
      expectResourceRefusal(await dpopGet(t.http, '/users/me', pair.accessToken, keys), 'invalid_token');
      const admin = await request(t.http)
        .post('/auth/jwt/login')
        .send({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
        .expect(200);
      const audit = await request(t.http)
        .get(`/admin/audit?userId=${user.id}&type=session.revoked`)
        .set('Authorization', `Bearer ${(admin.body as TokenPair).accessToken}`)
        .expect(200);
      expect((audit.body as { events: unknown[] }).events).toEqual([
        expect.objectContaining({ detail: { reason: 'dpop_key_mismatch' } }),
      ]);
    });

    it('an unbound session refreshed with a proof is bound from then on', async () => {
      const user = await register(t.http);
      const res = await request(t.http)
        .post('/auth/jwt/login')
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      const keys = await newKeys();
      const next = (
        await refresh(
          t.http,
          (res.body as TokenPair).refreshToken,
          await proof(keys, 'POST', '/auth/jwt/refresh'),
        ).expect(200)
      ).body as TokenPair;
      expect(next.tokenType).toBe('DPoP');
      expectTokenEndpointRefusal(await refresh(t.http, next.refreshToken));
    });
  });
});

describe('DPOP_REQUIRED (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { APP_URL: ORIGIN, DPOP_REQUIRED: 'true' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses a JWT login without a proof and takes one with a proof', async () => {
    const user = await register(t.http);
    expectTokenEndpointRefusal(
      await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD }),
    );
    expect((await dpopLogin(t.http, user.email, await newKeys())).tokenType).toBe('DPoP');
  });

  it('holds at the second step too: no proof, no tokens; a proof binds the session to its key', async () => {
    // The user enrols TOTP on an instance of the same deployment without DPoP, then signs in here.
    const plain = await createTestApp({ env: { APP_URL: ORIGIN }, dataDir: t.dataDir });
    const user = await register(plain.http);
    const login = await request(plain.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD });
    const auth = { Authorization: `Bearer ${(login.body as TokenPair).accessToken}` };
    const { secret } = (await request(plain.http).post('/users/me/mfa/totp').set(auth).expect(200)).body as {
      secret: string;
    };
    // The codes below (steps 0, +1, -1) are each spent once and must all fall in one 30 s step: had
    // a step ended between them, -1 would be the confirmation's code again, refused as a replay.
    const left = TOTP_PERIOD_SECONDS * 1000 - (Date.now() % (TOTP_PERIOD_SECONDS * 1000));
    if (left < 15_000) await sleep(left + 50);
    await request(plain.http)
      .post('/users/me/mfa/totp/confirm')
      .set(auth)
      .send({ code: await totp(secret, 0) })
      .expect(200);
    await plain.close();

    const keys = await newKeys();
    const passwordStep = async (): Promise<string> => {
      const res = await request(t.http)
        .post('/auth/jwt/login')
        .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login'))
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
      return (res.body as { mfaToken: string }).mfaToken;
    };
    expectTokenEndpointRefusal(
      await request(t.http)
        .post('/auth/mfa/verify')
        .send({ mfaToken: await passwordStep(), code: await totp(secret, 1) }),
    );
    const done = await request(t.http)
      .post('/auth/mfa/verify')
      .set('DPoP', await proof(keys, 'POST', '/auth/mfa/verify'))
      .send({ mfaToken: await passwordStep(), code: await totp(secret, -1) })
      .expect(200);
    const pair = done.body as TokenPair;
    expect(pair.tokenType).toBe('DPoP');
    expect(decodePart(pair.accessToken, 1).cnf).toEqual({ jkt: await thumbprint(keys) });
  }, 90_000);
});

describe.each(STORES)('DPoP server nonces (DPOP_NONCE=true) on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), APP_URL: ORIGIN, DPOP_NONCE: 'true' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('asks for a nonce at login and at a resource, and takes the one it gave', async () => {
    const user = await register(t.http);
    const keys = await newKeys();
    const body = { email: user.email, password: PASSWORD };

    const first = await request(t.http)
      .post('/auth/jwt/login')
      .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login'))
      .send(body);
    expectTokenEndpointRefusal(first, 'use_dpop_nonce');
    const nonce = first.headers['dpop-nonce'] as string;
    expect(nonce).toMatch(/^[\w-]{43}$/);

    for (const forged of [`${nonce.startsWith('A') ? 'B' : 'A'}${nonce.slice(1)}`, randomUUID()]) {
      const res = await request(t.http)
        .post('/auth/jwt/login')
        .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login', { nonce: forged }))
        .send(body);
      expectTokenEndpointRefusal(res, 'use_dpop_nonce');
    }

    const login = await request(t.http)
      .post('/auth/jwt/login')
      .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login', { nonce }))
      .send(body)
      .expect(200);
    expect(login.headers['dpop-nonce']).toBe(nonce);
    const token = (login.body as TokenPair).accessToken;

    const noNonce = await dpopGet(t.http, '/users/me', token, keys);
    expectResourceRefusal(noNonce, 'use_dpop_nonce');
    expect(noNonce.headers['dpop-nonce']).toBe(nonce);
    expect((await dpopGet(t.http, '/users/me', token, keys, { nonce })).status).toBe(200);
  });

  it('a nonce made by another instance with the same secrets is accepted (no shared state)', async () => {
    const other = await createTestApp({
      env: { ...storeEnv(), APP_URL: ORIGIN, DPOP_NONCE: 'true' },
      dataDir: t.dataDir,
    });
    try {
      const user = await register(t.http);
      const keys = await newKeys();
      const first = await request(t.http)
        .post('/auth/jwt/login')
        .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login'))
        .send({ email: user.email, password: PASSWORD });
      const nonce = first.headers['dpop-nonce'] as string;
      await request(other.http)
        .post('/auth/jwt/login')
        .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login', { nonce }))
        .send({ email: user.email, password: PASSWORD })
        .expect(200);
    } finally {
      await other.close();
    }
  });
});

describe('DPoP when the replay store cannot answer (e2e)', () => {
  let t: TestApp;
  let healthy: TestApp;
  let dead: Redis;
  beforeAll(async () => {
    // The real Redis store on a connection that cannot reach Redis (a closed port), as during an
    // outage; everything else of the app on its embedded stores, so only the replay check fails.
    dead = createClient({
      url: 'redis://127.0.0.1:1',
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false },
    });
    dead.on('error', () => {});
    await dead.connect().catch(() => undefined);
    healthy = await createTestApp({ env: { APP_URL: ORIGIN } });
    t = await createTestApp({
      env: { APP_URL: ORIGIN },
      dataDir: healthy.dataDir,
      customize: (b) => b.overrideProvider(EphemeralStore).useValue(new RedisEphemeralStore(dead, 'test:dead:')),
    });
  });
  afterAll(async () => {
    await t.close();
    await healthy.close();
    dead.destroy();
  });

  it('answers 503, never a token or a 200, at login and at a resource', async () => {
    const user = await register(healthy.http);
    const keys = await newKeys();
    const login = await request(t.http)
      .post('/auth/jwt/login')
      .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login'))
      .send({ email: user.email, password: PASSWORD });
    expect(login.status).toBe(503);
    expect(login.body).toEqual({ statusCode: 503, message: 'Service unavailable', error: 'Service Unavailable' });
    const token = (await dpopLogin(healthy.http, user.email, keys)).accessToken;
    const res = await dpopGet(t.http, '/users/me', token, keys);
    expect(res.status).toBe(503);
    expect((await dpopGet(healthy.http, '/users/me', token, keys)).status).toBe(200);
  });
});
