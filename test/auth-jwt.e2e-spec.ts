import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLocalJWKSet, jwtVerify } from 'jose';
import request from 'supertest';
import {
  expectRefused,
  jwtLogin,
  me,
  PASSWORD,
  register,
  sessionLogin,
  setCookies,
  STORES,
  type TokenPair as Pair,
} from './support/http.js';
import { createTestApp, newTempDir, type TestApp } from './support/test-app.js';
import { decodePart, forgeAsymmetric, forgeHs256, unsigned } from './support/tokens.js';

const SECRET = 'test-secret-of-at-least-32-bytes-0123456789';

describe.each(STORES)('JWT style on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  let env: Record<string, string>;
  beforeAll(async () => {
    env = { ...storeEnv(), JWT_SECRET: SECRET };
    t = await createTestApp({ env });
  });
  afterAll(async () => {
    await t.close();
  });

  it('login answers a token pair, sets the refresh cookie, and the access token opens GET /users/me', async () => {
    const user = await register(t.http);
    const res = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    const pair = res.body as Pair;
    expect(pair).toEqual({
      accessToken: expect.any(String),
      tokenType: 'Bearer',
      expiresIn: 900,
      refreshToken: expect.stringMatching(/^[\w-]{43}$/),
      refreshExpiresIn: 1209600,
    });
    const cookie = setCookies(res).refresh_token!;
    expect(cookie.value).toBe(pair.refreshToken);
    expect(cookie.attributes).toMatch(/HttpOnly/i);
    expect(cookie.attributes).toMatch(/SameSite=Strict/i);
    expect(cookie.attributes).toMatch(/Path=\/auth\/jwt/);

    const header = decodePart(pair.accessToken, 0);
    expect(Object.keys(header).sort()).toEqual(['alg', 'kid', 'typ']);
    expect(header).toMatchObject({ alg: 'HS256', typ: 'JWT' });
    const payload = decodePart(pair.accessToken, 1);
    expect(Object.keys(payload).sort()).toEqual([
      'aud',
      'auth_time',
      'exp',
      'iat',
      'iss',
      'jti',
      'nbf',
      'roles',
      'sid',
      'sub',
    ]);
    expect(payload).toMatchObject({ iss: 'auth-server', aud: 'api', sub: user.id, roles: ['user'] });
    expect(JSON.stringify(payload)).not.toContain(user.email);

    const body = (await me(t.http, pair.accessToken).expect(200)).body;
    expect(body).toMatchObject({ id: user.id, email: user.email });
    // A token in the URL is ignored.
    await request(t.http).get(`/users/me?access_token=${pair.accessToken}`).expect(401);
  });

  it('refuses alg "none" in any spelling, and the RFC 7519 §6.1 unsecured example', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    const payload = decodePart(pair.accessToken, 1);
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      await expectRefused(t.http, unsigned({ alg, typ: 'JWT' }, payload));
      await expectRefused(t.http, unsigned({ alg, typ: 'JWT', kid: decodePart(pair.accessToken, 0).kid }, payload));
    }
    await expectRefused(
      t.http,
      'eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.',
    );
  });

  it('refuses a tampered payload, another secret, and every claim out of place', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    const [h, , s] = pair.accessToken.split('.');
    const admin = Buffer.from(
      JSON.stringify({ ...decodePart(pair.accessToken, 1), roles: ['user', 'admin'] }),
    ).toString('base64url');
    await expectRefused(t.http, `${h}.${admin}.${s}`);

    const header = decodePart(pair.accessToken, 0);
    const base = { ...decodePart(pair.accessToken, 1), sub: user.id };
    // Sanity check of the forger: the genuine claims re-signed with the real secret pass.
    await me(t.http, forgeHs256(header, { ...base, jti: randomUUID() }, SECRET)).expect(200);
    const now = Math.floor(Date.now() / 1000);
    const cases: Record<string, string> = {
      'another secret': forgeHs256(header, base, 'another-secret-of-at-least-32-bytes-xxxxxxxx'),
      expired: forgeHs256(header, { ...base, iat: now - 1000, nbf: now - 1000, exp: now - 31 }, SECRET),
      'not yet valid': forgeHs256(header, { ...base, nbf: now + 60 }, SECRET),
      'wrong iss': forgeHs256(header, { ...base, iss: 'evil' }, SECRET),
      'wrong aud': forgeHs256(header, { ...base, aud: 'other-api' }, SECRET),
      'exp as a string': forgeHs256(header, { ...base, exp: String(now + 600) }, SECRET),
      'no jti': forgeHs256(header, { ...base, jti: undefined }, SECRET),
      'unknown kid': forgeHs256({ ...header, kid: 'nope' }, base, SECRET),
      'kid injection': forgeHs256({ ...header, kid: "../../../../dev/null' OR 1=1 --" }, base, SECRET),
    };
    for (const [name, token] of Object.entries(cases)) {
      await expectRefused(t.http, token).catch((err: Error) => {
        throw new Error(`${name}: ${err.message}`);
      });
    }
    // Within the 30 s leeway an expired token still passes: the tolerance is what api.md promises.
    await me(t.http, forgeHs256(header, { ...base, jti: randomUUID(), exp: now - 5 }, SECRET)).expect(200);
  });

  it('refuses the refresh token used as a Bearer token', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    await expectRefused(t.http, pair.refreshToken);
  });

  it("rotates refresh tokens; a spent one is refused and kills its newer sibling and that sibling's access token", async () => {
    const user = await register(t.http);
    const { pair: first } = await jwtLogin(t.http, user.email);
    const second = (
      await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: first.refreshToken }).expect(200)
    ).body as Pair;
    expect(second.refreshToken).not.toBe(first.refreshToken);
    expect(decodePart(second.accessToken, 1).sid).toBe(decodePart(first.accessToken, 1).sid);
    await me(t.http, second.accessToken).expect(200);
    // Reuse of the spent token: refused, and the family ends.
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: first.refreshToken }).expect(401);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: second.refreshToken }).expect(401);
    await expectRefused(t.http, second.accessToken);
    await expectRefused(t.http, first.accessToken);
  });

  it('of four concurrent refreshes with one token exactly one succeeds', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    const results = await Promise.all(
      [1, 2, 3, 4].map(() => request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken })),
    );
    expect(results.map((r) => r.status).sort()).toEqual([200, 401, 401, 401]);
  });

  it('refreshes with the cookie alone, and rejects garbage', async () => {
    const user = await register(t.http);
    const { cookie } = await jwtLogin(t.http, user.email);
    const res = await request(t.http).post('/auth/jwt/refresh').set('Cookie', cookie).expect(200);
    expect(setCookies(res).refresh_token!.value).toBe((res.body as Pair).refreshToken);
    await request(t.http).post('/auth/jwt/refresh').expect(401);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: 'garbage' }).expect(401);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: 42 }).expect(400);
  });

  it('after logout the access token and its refresh token are refused, also after a restart', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    await request(t.http).post('/auth/jwt/logout').set('Authorization', `Bearer ${pair.accessToken}`).expect(204);
    await expectRefused(t.http, pair.accessToken);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    await t.close();
    t = await createTestApp({ env, dataDir: t.dataDir });
    await expectRefused(t.http, pair.accessToken);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
  });

  it('lists both kinds of session, and ending a JWT session from a cookie client refuses its access token at once', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    const browser = await sessionLogin(t.http, user.email);
    const list = (await request(t.http).get('/auth/sessions').set('Cookie', browser.cookie).expect(200)).body as {
      id: string;
      kind: string;
      current: boolean;
    }[];
    expect(list.map((s) => s.kind).sort()).toEqual(['cookie', 'jwt']);
    const viaBearer = (
      await request(t.http).get('/auth/sessions').set('Authorization', `Bearer ${pair.accessToken}`).expect(200)
    ).body as { id: string; current: boolean }[];
    const sid = decodePart(pair.accessToken, 1).sid;
    expect(viaBearer.find((s) => s.current)?.id).toBe(sid);
    await request(t.http)
      .delete(`/auth/sessions/${String(sid)}`)
      .set('Cookie', browser.cookie)
      .set('X-CSRF-Token', browser.csrfToken)
      .expect(204);
    await expectRefused(t.http, pair.accessToken);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(200);
  });

  it('Bearer requests need no CSRF token, and a route for one style refuses the other', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    const browser = await sessionLogin(t.http, user.email);
    await request(t.http).delete('/auth/sessions').set('Authorization', `Bearer ${pair.accessToken}`).expect(204);
    await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
    const again = await sessionLogin(t.http, user.email);
    await request(t.http)
      .post('/auth/jwt/logout')
      .set('Cookie', again.cookie)
      .set('X-CSRF-Token', again.csrfToken)
      .expect(401);
    await request(t.http).get('/auth/session/csrf').set('Authorization', `Bearer ${pair.accessToken}`).expect(401);
  });

  it('publishes no key with HS256', async () => {
    const res = await request(t.http).get('/.well-known/jwks.json').expect(200);
    expect(res.body).toEqual({ keys: [] });
  });
});

describe.each([
  ['RS256', () => generateKeyPairSync('rsa', { modulusLength: 2048 })],
  ['ES256', () => generateKeyPairSync('ec', { namedCurve: 'P-256' })],
  ['EdDSA', () => generateKeyPairSync('ed25519')],
] as const)('JWT style with %s keys (e2e)', (alg, makeKeys) => {
  let t: TestApp;
  let keysDir: string;
  let env: Record<string, string>;
  const writeKey = (name: string, mtime: number) => {
    const { privateKey, publicKey } = makeKeys();
    const file = join(keysDir, name);
    writeFileSync(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    utimesSync(file, mtime, mtime);
    return { privateKey, publicKey };
  };
  let first: ReturnType<typeof writeKey>;
  beforeAll(async () => {
    keysDir = newTempDir('keys-');
    first = writeKey('a.pem', 1_700_000_000);
    env = { JWT_ALGORITHM: alg, JWT_KEYS_DIR: keysDir };
    t = await createTestApp({ env });
  });
  afterAll(async () => {
    await t.close();
  });

  it('signs tokens that verify with the published JWK alone, and refuses HS256 keyed with the public key', async () => {
    const user = await register(t.http);
    const { pair } = await jwtLogin(t.http, user.email);
    const jwks = (await request(t.http).get('/.well-known/jwks.json').expect(200)).body as {
      keys: Record<string, unknown>[];
    };
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).toMatchObject({ alg, use: 'sig', kid: decodePart(pair.accessToken, 0).kid });
    expect(jwks.keys[0]).not.toHaveProperty('d');
    const { payload } = await jwtVerify(pair.accessToken, createLocalJWKSet(jwks as never), {
      issuer: 'auth-server',
      audience: 'api',
    });
    expect(payload.sub).toBe(user.id);
    await me(t.http, pair.accessToken).expect(200);

    // Algorithm confusion (RFC 8725 §2.1): the public key as an HMAC secret, in PEM and DER.
    const claims = decodePart(pair.accessToken, 1);
    const kid = decodePart(pair.accessToken, 0).kid;
    const pem = first.publicKey.export({ type: 'spki', format: 'pem' });
    await expectRefused(t.http, forgeHs256({ alg: 'HS256', typ: 'JWT', kid }, claims, pem));
    await expectRefused(
      t.http,
      forgeHs256({ alg: 'HS256', typ: 'JWT', kid }, claims, first.publicKey.export({ type: 'spki', format: 'der' })),
    );
    // Sanity check of the forger: the same claims signed with the real private key pass.
    await me(
      t.http,
      forgeAsymmetric({ alg, typ: 'JWT', kid } as { alg: string }, { ...claims, jti: randomUUID() }, first.privateKey),
    ).expect(200);
    // Another key pair of the right type, claiming our kid.
    const other = makeKeys();
    await expectRefused(t.http, forgeAsymmetric({ alg, typ: 'JWT', kid } as { alg: string }, claims, other.privateKey));
  });

  it('rotates keys by adding a file: the newest signs, tokens of the older key still pass', async () => {
    const user = await register(t.http);
    const { pair: old } = await jwtLogin(t.http, user.email);
    writeKey('b.pem', 1_800_000_000);
    await t.close();
    t = await createTestApp({ env, dataDir: t.dataDir });
    const { pair: fresh } = await jwtLogin(t.http, user.email);
    expect(decodePart(fresh.accessToken, 0).kid).not.toBe(decodePart(old.accessToken, 0).kid);
    const jwks = (await request(t.http).get('/.well-known/jwks.json').expect(200)).body as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid).sort()).toEqual(
      [decodePart(old.accessToken, 0).kid, decodePart(fresh.accessToken, 0).kid].sort(),
    );
    await me(t.http, old.accessToken).expect(200);
    await me(t.http, fresh.accessToken).expect(200);
  });
});
