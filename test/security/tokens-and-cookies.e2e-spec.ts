import { createServer, type Server } from 'node:http';
import { createHmac, generateKeyPairSync, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { expectRefused, PASSWORD, register, sessionLogin, setCookies } from '../support/http.js';
import { createTestApp, type TestApp } from '../support/test-app.js';
import { decodePart, forgeAsymmetric, forgeHs256, unsigned } from '../support/tokens.js';

const SECRET = 'attack-suite-secret-at-least-32-bytes-long!';
const b64 = (s: string): string => Buffer.from(s).toString('base64url');

describe('Token attacks (RFC 8725, JWT library CVEs) (e2e)', () => {
  let t: TestApp;
  let outbound: Server;
  let outboundHits = 0;
  let token: string;
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  beforeAll(async () => {
    t = await createTestApp({ env: { JWT_SECRET: SECRET } });
    // A server an attacker's jku/x5u would point at: the verifier must never call it.
    outbound = createServer((_req, res) => {
      outboundHits++;
      res.end('{}');
    });
    await new Promise<void>((r) => outbound.listen(0, '127.0.0.1', r));
    const user = await register(t.http);
    token = (
      (await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD }).expect(200))
        .body as { accessToken: string }
    ).accessToken;
    header = decodePart(token, 0);
    claims = decodePart(token, 1);
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => outbound.close(r));
  });

  it('accepts the genuine token (the attacks below start from it)', async () => {
    await request(t.http).get('/users/me').set('Authorization', `Bearer ${token}`).expect(200);
    // And the forger makes valid tokens when given the real secret.
    await request(t.http)
      .get('/users/me')
      .set('Authorization', `Bearer ${forgeHs256(header, { ...claims, jti: randomUUID() }, SECRET)}`)
      .expect(200);
  });

  it('refuses alg "none" in every spelling, with or without a signature (CVE-2015-9235)', async () => {
    const sig = token.split('.')[2]!;
    for (const alg of ['none', 'None', 'NONE', 'nOnE', '', 'HS256 ', 'hs256']) {
      await expectRefused(t.http, unsigned({ ...header, alg }, claims), `alg ${JSON.stringify(alg)}`);
      await expectRefused(
        t.http,
        `${unsigned({ ...header, alg }, claims)}${sig}`,
        `alg ${JSON.stringify(alg)} with signature`,
      );
    }
    const noAlg = { ...header };
    delete noAlg.alg;
    await expectRefused(t.http, forgeHs256(noAlg, claims, SECRET), 'no alg');
  });

  it('refuses kid injection: path traversal, SQL, an absent kid, and a kid of the wrong type', async () => {
    for (const kid of ['../../../../../../dev/null', "' OR '1'='1", 'x'.repeat(2000), '', null, 42, ['a']]) {
      await expectRefused(
        t.http,
        forgeHs256({ ...header, kid }, claims, ''),
        `kid ${JSON.stringify(kid)?.slice(0, 30)} with empty key`,
      );
      await expectRefused(
        t.http,
        forgeHs256({ ...header, kid }, claims, SECRET),
        `kid ${JSON.stringify(kid)?.slice(0, 30)}`,
      );
    }
  });

  it('ignores jwk, jku and x5u headers: an embedded attacker key is never trusted and nothing is fetched (CVE-2018-0114)', async () => {
    const attacker = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = attacker.publicKey.export({ format: 'jwk' });
    const base = `http://127.0.0.1:${(outbound.address() as AddressInfo).port}`;
    const forged = [
      forgeAsymmetric({ ...header, alg: 'RS256', jwk } as { alg: string }, claims, attacker.privateKey),
      forgeAsymmetric(
        { ...header, alg: 'RS256', jku: `${base}/jwks.json` } as { alg: string },
        claims,
        attacker.privateKey,
      ),
      forgeAsymmetric(
        { ...header, alg: 'RS256', x5u: `${base}/cert.pem` } as { alg: string },
        claims,
        attacker.privateKey,
      ),
      forgeHs256({ ...header, jku: `${base}/jwks.json`, jwk: { kty: 'oct', k: b64('attacker') } }, claims, 'attacker'),
    ];
    for (const [i, f] of forged.entries()) await expectRefused(t.http, f, `forged ${i}`);
    expect(outboundHits).toBe(0);
  });

  it('refuses a header with a duplicate alg member, whichever comes last', async () => {
    // Raw header text, signed with the real secret: only the duplicate can make it fail.
    const sign = (rawHeader: string): string => {
      const input = `${b64(rawHeader)}.${b64(JSON.stringify(claims))}`;
      return `${input}.${createHmac('sha256', SECRET).update(input).digest('base64url')}`;
    };
    const kid = JSON.stringify(header.kid);
    await request(t.http)
      .get('/users/me')
      .set('Authorization', `Bearer ${sign(`{"alg":"HS256","typ":"JWT","kid":${kid}}`)}`)
      .expect(200);
    await expectRefused(t.http, sign(`{"alg":"none","alg":"HS256","typ":"JWT","kid":${kid}}`), 'none then HS256');
    await expectRefused(t.http, sign(`{"alg":"HS256","alg":"none","typ":"JWT","kid":${kid}}`), 'HS256 then none');
    await expectRefused(
      t.http,
      sign(`{"\\u0061lg":"none","alg":"HS256","typ":"JWT","kid":${kid}}`),
      'escaped duplicate',
    );
    await expectRefused(t.http, sign(`{"alg":"HS256","typ":"JWT","kid":${kid},"kid":"other"}`), 'duplicate kid');
  });

  it('refuses malformed and oversized tokens with a 401, never a 5xx', async () => {
    const [h, p, s] = token.split('.');
    for (const bad of [
      '',
      'a',
      'a.b',
      `${h}.${p}`,
      `${h}.${p}.${s}.x`,
      '...',
      `${h}!.${p}.${s}`,
      `${h}.${p}.${s}%`,
      'Bearer',
      `${h}.${'A'.repeat(15_000)}.${s}`,
    ]) {
      const res = await request(t.http).get('/users/me').set('Authorization', `Bearer ${bad}`);
      expect(res.status).toBe(401);
    }
    // 16 kB and more: Node refuses the header itself (431), still not a 5xx.
    const huge = await request(t.http)
      .get('/users/me')
      .set('Authorization', `Bearer ${'A'.repeat(16_500)}`)
      .ok(() => true);
    expect(huge.status).toBeLessThan(500);
  });

  it('refuses a token signed with the server key that lives past the access TTL or was issued in the future; logout with it is a 401, never a 500', async () => {
    const iat = claims.iat as number;
    const forged = (over: Record<string, unknown>): string =>
      forgeHs256(header, { ...claims, jti: randomUUID(), ...over }, SECRET);
    // Control: a forged token within the rules is accepted, so the refusals below are the rule's.
    await request(t.http)
      .get('/users/me')
      .set('Authorization', `Bearer ${forged({})}`)
      .expect(200);
    const attacks = [
      // 1e13 s overflowed a Date in the blacklist: logout answered 500 and the token stayed valid.
      forged({ exp: 1e13 }),
      forged({ exp: 4_102_444_800 }),
      forged({ exp: Math.floor(iat) + 900 + 31 }),
      // An iat in the future would pass a forced-logout cut-off set before it.
      forged({ iat: iat + 3600, exp: Math.floor(iat) + 3600 + 900 }),
    ];
    for (const attack of attacks) {
      await expectRefused(t.http, attack, 'lifetime');
      const out = await request(t.http).post('/auth/jwt/logout').set('Authorization', `Bearer ${attack}`);
      expect(out.status).toBe(401);
      expect(out.body).toEqual({ statusCode: 401, message: 'Unauthorized', error: 'Unauthorized' });
    }
  });

  it('a revoked token stays refused with its last signature character changed or "=" appended (revocation is by jti, not by string)', async () => {
    const user = await register(t.http);
    const fresh = (
      (await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD }).expect(200))
        .body as { accessToken: string }
    ).accessToken;
    await request(t.http).post('/auth/jwt/logout').set('Authorization', `Bearer ${fresh}`).expect(204);
    const last = fresh.slice(-1);
    // The last base64url character of a 32-byte MAC carries 4 bits: its neighbour often decodes to the same bytes.
    const sibling = String.fromCharCode(last.charCodeAt(0) ^ 1);
    for (const variant of [fresh, fresh.slice(0, -1) + sibling, `${fresh}=`, `${fresh}==`]) {
      await expectRefused(t.http, variant, `variant ending ${variant.slice(-3)}`);
    }
  });
});

describe('Cookie tampering, CSRF and CORS (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('a tampered, unsigned or foreign session cookie is 401', async () => {
    const user = await register(t.http);
    const { cookie } = await sessionLogin(t.http, user.email);
    const value = decodeURIComponent(cookie.slice('sid='.length));
    const [id, sig] = value.slice(2).split('.');
    const variants = [
      `sid=${encodeURIComponent(`s:${id}x.${sig}`)}`,
      `sid=${encodeURIComponent(`s:${id}.${sig!.slice(0, -2)}${sig!.endsWith('AA') ? 'BB' : 'AA'}`)}`,
      `sid=${id}`,
      `sid=${encodeURIComponent(`s:${randomUUID()}.${sig}`)}`,
      `sid=${encodeURIComponent(`s:${id}`)}`,
    ];
    for (const v of variants) await request(t.http).get('/users/me').set('Cookie', v).expect(401);
    await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
  });

  it('two session cookies of the same name in one request are no session, in either order (RFC 6265bis §4.2.2)', async () => {
    const victim = await sessionLogin(t.http, (await register(t.http)).email);
    const attacker = await sessionLogin(t.http, (await register(t.http)).email);
    // Control: each alone is signed in.
    await request(t.http).get('/users/me').set('Cookie', victim.cookie).expect(200);
    await request(t.http).get('/users/me').set('Cookie', attacker.cookie).expect(200);
    for (const pair of [
      [victim.cookie, attacker.cookie],
      [attacker.cookie, victim.cookie],
      [victim.cookie, 'sid=junk'],
      ['sid=junk', victim.cookie],
      [victim.cookie, victim.cookie],
    ]) {
      // As one header and as two (Node joins them with "; ", as a browser sends them).
      await request(t.http).get('/users/me').set('Cookie', pair.join('; ')).expect(401);
      await request(t.http).get('/users/me').set('Cookie', pair).expect(401);
      await request(t.http)
        .get('/auth/session/csrf')
        .set('Cookie', `a=1;${pair.join(';')}`)
        .expect(401);
      await request(t.http)
        .post('/auth/session/logout')
        .set('Cookie', pair)
        .set('X-CSRF-Token', victim.csrfToken)
        .expect(401);
    }
    // Neither session was ended by the refused requests.
    await request(t.http).get('/users/me').set('Cookie', victim.cookie).expect(200);
    await request(t.http).get('/users/me').set('Cookie', attacker.cookie).expect(200);
    // A sign-in carrying two gets a session of its own, not either of them.
    const user = await register(t.http);
    const res = await request(t.http)
      .post('/auth/session/login')
      .set('Cookie', [victim.cookie, attacker.cookie])
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    const fresh = setCookies(res).sid!.pair;
    expect([victim.cookie, attacker.cookie]).not.toContain(fresh);
    expect((await request(t.http).get('/users/me').set('Cookie', fresh).expect(200)).body.id).toBe(user.id);
    await request(t.http).get('/users/me').set('Cookie', victim.cookie).expect(200);
  });

  it('a cross-site request with the cookie is refused even with the CSRF token; same-site passes', async () => {
    const user = await register(t.http);
    const s = await sessionLogin(t.http, user.email);
    const headers = { Cookie: s.cookie, 'X-CSRF-Token': s.csrfToken };
    await request(t.http).post('/auth/session/logout').set(headers).set('Origin', 'https://evil.example').expect(403);
    await request(t.http).post('/auth/session/logout').set(headers).set('Sec-Fetch-Site', 'cross-site').expect(403);
    await request(t.http)
      .post('/auth/session/logout')
      .set('Cookie', s.cookie)
      .set('Origin', 'https://evil.example')
      .expect(403);
    await request(t.http).get('/users/me').set('Cookie', s.cookie).expect(200);
    // Login CSRF: another site cannot sign a browser in.
    await request(t.http)
      .post('/auth/session/login')
      .set('Origin', 'https://evil.example')
      .send({ email: user.email, password: PASSWORD })
      .expect(403);
    // The same origin, and an origin CORS_ORIGINS trusts, pass.
    const host = '127.0.0.1';
    await request(t.http)
      .post('/auth/session/logout')
      .set(headers)
      .set('Origin', `http://${host}`)
      .set('Host', host)
      .expect(204);
    const s2 = await sessionLogin(t.http, user.email);
    await request(t.http)
      .post('/auth/session/logout')
      .set({ Cookie: s2.cookie, 'X-CSRF-Token': s2.csrfToken })
      .set('Origin', 'https://app.example')
      .expect(204);
  });

  it('CORS: an unlisted origin is never echoed with credentials; the listed one is', async () => {
    for (const path of ['/users/me', '/auth/session/login', '/health']) {
      const evil = await request(t.http)
        .options(path)
        .set('Origin', 'https://evil.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(evil.headers['access-control-allow-origin']).toBeUndefined();
      const evilGet = await request(t.http).get(path).set('Origin', 'https://evil.example');
      expect(evilGet.headers['access-control-allow-origin']).toBeUndefined();
      const good = await request(t.http)
        .options(path)
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'POST');
      expect(good.headers['access-control-allow-origin']).toBe('https://app.example');
      expect(good.headers['access-control-allow-credentials']).toBe('true');
    }
  });

  it('the refresh cookie, tampered, refreshes nothing', async () => {
    const user = await register(t.http);
    const res = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    const cookie = setCookies(res).refresh_token!;
    await request(t.http)
      .post('/auth/jwt/refresh')
      // A different last character (replacing it with itself would change nothing).
      .set('Cookie', `refresh_token=${cookie.value.slice(0, -1)}${cookie.value.endsWith('A') ? 'B' : 'A'}`)
      .expect(401);
    // Two refresh cookies (one planted for a narrower path comes first) are none: nothing is spent.
    const other = setCookies(
      await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD }).expect(200),
    ).refresh_token!;
    for (const pair of [
      [cookie.pair, other.pair],
      [other.pair, cookie.pair],
    ])
      await request(t.http).post('/auth/jwt/refresh').set('Cookie', pair).expect(401);
    await request(t.http).post('/auth/jwt/refresh').set('Cookie', `refresh_token=${cookie.value}`).expect(200);
    await request(t.http).post('/auth/jwt/refresh').set('Cookie', other.pair).expect(200);
  });
});
