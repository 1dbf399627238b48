import { jest } from '@jest/globals';
import { ConfigModule } from '@nestjs/config';
import { JwtModule, JwtService } from '@nestjs/jwt';
import { Test } from '@nestjs/testing';
import { CompactSign, decodeProtectedHeader, importJWK, type JWK, jwtVerify, type JWTPayload } from 'jose';
import { createHmac, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtConfig } from '../../config/config.js';
import { type JwtAlgorithm } from '../../config/env.js';
import { JwtKeysService } from '../keys/jwt-keys.service.js';
import { AccessTokenSigner, AccessTokenVerifier, parseAccessClaims } from './access-token.js';

const SECRET = 'access-token-spec-secret-of-at-least-32-bytes';
const CLAIMS = ['aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'nbf', 'roles', 'sid', 'sub'];
const INPUT = {
  sub: 'a3c1e7f0-5f8e-4d7e-9d55-0b8d2f6c1a11',
  sid: 'sess_7Yk2',
  roles: ['user', 'admin'] as const,
  authTime: 1_795_339_000_999,
};
const saved = { ...process.env };
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'access-token-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  process.env = { ...saved };
  jest.useRealTimers();
});

interface Harness {
  keys: JwtKeysService;
  signer: AccessTokenSigner;
  verifier: AccessTokenVerifier;
}

function harness(algorithm: JwtAlgorithm, keysDir?: string, env: Record<string, string> = {}): Harness {
  process.env = {
    ...saved,
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${join(root, 'x.sqlite')}`,
    JWT_ALGORITHM: algorithm,
    JWT_SECRET: SECRET,
    JWT_KEYS_DIR: keysDir ?? '',
    JWT_ISSUER: 'https://auth.example.test',
    JWT_AUDIENCE: 'api',
    JWT_ACCESS_TTL: '900',
    ...env,
  };
  const cfg = jwtConfig();
  const jwt = new JwtService({});
  const keys = new JwtKeysService(cfg);
  return { keys, signer: new AccessTokenSigner(jwt, keys, cfg), verifier: new AccessTokenVerifier(jwt, keys, cfg) };
}

function keyDir(algorithm: Exclude<JwtAlgorithm, 'HS256'>, mtime = 1_700_000_000, dir = mkdtempSync(join(root, 'k-'))) {
  const privateKey =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey
        : generateKeyPairSync('ed25519').privateKey;
  const path = join(dir, `key-${mtime}.pem`);
  writeFileSync(path, privateKey.export({ format: 'pem', type: 'pkcs8' }));
  utimesSync(path, mtime, mtime);
  return { dir, privateKey };
}

const part = (token: string, i: number): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[i]!, 'base64url').toString('utf8'));
const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');

/** Signs arbitrary header and payload with jose, i.e. with code independent of the project's. */
async function forge(header: Record<string, unknown>, payload: unknown, key: KeyObject | Uint8Array): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header as { alg: string })
    .sign(key);
}

/**
 * The lifetime rule (JWT_ACCESS_TTL 900 s, 30 s leeway) on tokens signed with the server's own key,
 * as a holder of a leaked or test key would make them.
 */
async function expectLifetimeChecked(
  h: Harness,
  sign: (payload: Record<string, unknown>) => Promise<string>,
): Promise<void> {
  const base = part(h.signer.sign(INPUT).token, 1);
  const iat = base.iat as number;
  const nbf = base.nbf as number;
  const at = async (claims: Record<string, unknown>) => h.verifier.verify(await sign({ ...base, ...claims }));
  // Control: the forge makes tokens the verifier accepts, up to the TTL plus the leeway.
  expect(await at({})).not.toBeNull();
  expect(await at({ exp: iat + 900 + 30 })).not.toBeNull();
  // An exp past the TTL, however far (1e13 once made the blacklist throw at logout).
  for (const exp of [iat + 900 + 31, iat + 86_400, 1e13, Number.MAX_SAFE_INTEGER, 1e300])
    expect(await at({ exp })).toBeNull();
  // An iat in the future beyond the leeway would pass a forced-logout cut-off taken before it.
  expect(await at({ iat: iat + 29, nbf, exp: Math.floor(iat) + 900 })).not.toBeNull();
  // (45 s, not 31: the clock runs on between signing and verifying on a loaded machine.)
  expect(await at({ iat: iat + 45, nbf, exp: Math.floor(iat + 45) + 900 })).toBeNull();
  expect(await at({ iat: iat + 3600, nbf, exp: Math.floor(iat + 3600) + 900 })).toBeNull();
}

describe('access tokens', () => {
  describe.each(['RS256', 'ES256', 'EdDSA'] as const)('%s', (algorithm) => {
    let h: Harness;
    let privateKey: KeyObject;
    beforeAll(() => {
      const k = keyDir(algorithm);
      privateKey = k.privateKey;
      h = harness(algorithm, k.dir);
    });

    it('verifies with jose using only the published JWK', async () => {
      const { token, jti, expiresAt, issuedAtMs } = h.signer.sign(INPUT);
      const jwk = h.keys.jwks().keys.find((k) => k.kid === decodeProtectedHeader(token).kid);
      expect(jwk).toBeDefined();
      const publicKey = await importJWK(jwk as JWK, algorithm);
      const { payload, protectedHeader } = await jwtVerify(token, publicKey, {
        algorithms: [algorithm],
        issuer: 'https://auth.example.test',
        audience: 'api',
        typ: 'JWT',
      });
      expect(protectedHeader).toEqual({ alg: algorithm, typ: 'JWT', kid: jwk!.kid });
      expect(Object.keys(payload).sort()).toEqual(CLAIMS);
      expect(payload).toMatchObject({
        sub: INPUT.sub,
        sid: INPUT.sid,
        roles: ['user', 'admin'],
        jti,
        auth_time: 1_795_339_000,
      });
      expect(payload.exp! * 1000).toBe(expiresAt.getTime());
      expect(payload.iat! * 1000).toBeCloseTo(issuedAtMs, 3);
    });

    it('verifies its own tokens and returns typed claims', () => {
      const signed = h.signer.sign(INPUT);
      const claims = h.verifier.verify(signed.token);
      expect(claims).toMatchObject({ sub: INPUT.sub, sid: INPUT.sid, jti: signed.jti, issuedAtMs: signed.issuedAtMs });
    });

    it('refuses a token keyed with HS256 on the public key (algorithm confusion)', () => {
      const kid = h.keys.signingKey().kid;
      const pem = createPublicKey(privateKey).export({ format: 'pem', type: 'spki' });
      const valid = h.signer.sign(INPUT).token;
      const input = `${b64({ alg: 'HS256', typ: 'JWT', kid })}.${valid.split('.')[1]}`;
      for (const secret of [pem, Buffer.from(JSON.stringify(h.keys.jwks().keys[0]))]) {
        const forged = `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
        expect(h.verifier.verify(forged)).toBeNull();
      }
    });

    it('refuses a token signed by another key of the same type that claims our kid', async () => {
      const other = keyDir(algorithm, 1_700_000_000, mkdtempSync(join(root, 'other-')));
      const kid = h.keys.signingKey().kid;
      const payload = part(h.signer.sign(INPUT).token, 1);
      const forged = await forge({ alg: algorithm, typ: 'JWT', kid }, payload, other.privateKey);
      expect(h.verifier.verify(forged)).toBeNull();
      // The same forge with the real key passes: the refusal above is the signature's doing.
      expect(h.verifier.verify(await forge({ alg: algorithm, typ: 'JWT', kid }, payload, privateKey))).not.toBeNull();
    });

    it('refuses a well-signed token living longer than the access TTL, or issued in the future', async () => {
      await expectLifetimeChecked(h, (payload) =>
        forge({ alg: algorithm, typ: 'JWT', kid: h.keys.signingKey().kid }, payload, privateKey),
      );
    });

    it('refuses a tampered payload', () => {
      const token = h.signer.sign({ ...INPUT, roles: ['user'] }).token;
      const [head, , sig] = token.split('.');
      expect(h.verifier.verify(token)).not.toBeNull();
      expect(h.verifier.verify(`${head}.${b64({ ...part(token, 1), roles: ['user', 'admin'] })}.${sig}`)).toBeNull();
    });
  });

  describe('HS256', () => {
    let h: Harness;
    beforeAll(() => {
      h = harness('HS256');
    });

    it('header is exactly {alg, typ, kid}, claims exactly the ten, and jose verifies with the secret', async () => {
      const { token } = h.signer.sign(INPUT);
      expect(part(token, 0)).toEqual({ alg: 'HS256', typ: 'JWT', kid: h.keys.signingKey().kid });
      expect(Object.keys(part(token, 1))).toEqual([
        'iss',
        'aud',
        'sub',
        'sid',
        'iat',
        'nbf',
        'exp',
        'jti',
        'roles',
        'auth_time',
      ]);
      await expect(
        jwtVerify(token, new TextEncoder().encode(SECRET), {
          algorithms: ['HS256'],
          issuer: 'https://auth.example.test',
        }),
      ).resolves.toBeDefined();
    });

    it('a fresh jti each time', () => {
      const a = h.signer.sign(INPUT);
      const b = h.signer.sign(INPUT);
      expect(a.jti).toMatch(/^[0-9a-f-]{36}$/);
      expect(a.jti).not.toBe(b.jti);
      expect(part(a.token, 1).jti).toBe(a.jti);
    });

    it('iat keeps milliseconds, nbf and exp are whole seconds', async () => {
      const now = 1_795_339_800_848;
      jest.useFakeTimers({ now, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      const signed = h.signer.sign(INPUT);
      const payload = part(signed.token, 1);
      expect(payload.iat).toBe(1_795_339_800.848);
      expect(payload.nbf).toBe(1_795_339_800);
      expect(payload.exp).toBe(1_795_339_800 + 900);
      expect(signed.issuedAtMs).toBe(now);
      expect(signed.expiresAt).toEqual(new Date((1_795_339_800 + 900) * 1000));
      expect(h.verifier.verify(signed.token)?.issuedAtMs).toBe(now);
      // A zero-leeway verifier at the very instant of issue accepts it: nbf is not in its future.
      const verified = await jwtVerify(signed.token, new TextEncoder().encode(SECRET), { currentDate: new Date(now) });
      expect(verified.payload.nbf).toBe(1_795_339_800);
    });

    it('checks expiry and not-before with 30 s of leeway', () => {
      const { token } = h.signer.sign(INPUT);
      const iat = part(token, 1).iat as number;
      const at = (seconds: number): void => {
        jest.useFakeTimers({ now: seconds * 1000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
      };
      at(iat + 900 + 29);
      expect(h.verifier.verify(token)).not.toBeNull();
      at(iat + 900 + 31);
      expect(h.verifier.verify(token)).toBeNull();
      at(iat - 29);
      expect(h.verifier.verify(token)).not.toBeNull();
      at(iat - 31);
      expect(h.verifier.verify(token)).toBeNull();
    });

    it('remembers a token it verified by its exact text only, and hands out claims no holder can change', () => {
      const { token } = h.signer.sign(INPUT);
      const claims = h.verifier.verify(token)!;
      expect(h.verifier.verify(token)).toBe(claims);
      // One request cannot change what the next one presenting the token is given.
      expect(Object.isFrozen(claims) && Object.isFrozen(claims.roles)).toBe(true);
      expect(() => (claims.roles as string[]).push('admin')).toThrow(TypeError);
      expect(() => Object.assign(claims, { sub: 'someone-else' })).toThrow(TypeError);
      // Texts that differ from the remembered one are judged afresh: another spelling of the same
      // signature (the unused low bits of its last character), a payload with the old signature,
      // a header naming another key.
      const [head, body, sig] = token.split('.') as [string, string, string];
      // 43 characters carry 258 bits for 32 bytes: the last one's two low bits are unused (zero).
      const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
      const sibling = alphabet[alphabet.indexOf(sig.at(-1)!) + 1]!;
      expect(Buffer.from(`${sig.slice(0, -1)}${sibling}`, 'base64url')).toEqual(Buffer.from(sig, 'base64url'));
      expect(h.verifier.verify(`${head}.${body}.${sig.slice(0, -1)}${sibling}`)).toBeNull();
      const other = b64({ ...part(token, 1), sub: 'someone-else' });
      expect(h.verifier.verify(`${head}.${other}.${sig}`)).toBeNull();
      expect(h.verifier.verify(`${b64({ alg: 'HS256', typ: 'JWT', kid: 'unknown' })}.${body}.${sig}`)).toBeNull();
      expect(h.verifier.verify(token)).toBe(claims);
    });

    it('refuses a well-signed token living longer than the access TTL, or issued in the future', async () => {
      await expectLifetimeChecked(h, (payload) =>
        forge({ alg: 'HS256', typ: 'JWT', kid: h.keys.signingKey().kid }, payload, new TextEncoder().encode(SECRET)),
      );
    });

    it('refuses alg none in any spelling, and the RFC 7519 §6.1 unsecured example', () => {
      const kid = h.keys.signingKey().kid;
      const payload = part(h.signer.sign(INPUT).token, 1);
      for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
        expect(h.verifier.verify(`${b64({ alg, typ: 'JWT', kid })}.${b64(payload)}.`)).toBeNull();
      }
      const rfc =
        'eyJhbGciOiJub25lIn0.eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ.';
      expect(h.verifier.verify(rfc)).toBeNull();
    });

    it('refuses another secret, wrong iss, wrong aud, an unknown kid, a crit header', async () => {
      const kid = h.keys.signingKey().kid;
      const secret = new TextEncoder().encode(SECRET);
      const payload = part(h.signer.sign(INPUT).token, 1);
      const header = { alg: 'HS256', typ: 'JWT', kid };
      // Control: the forge itself is sound.
      expect(h.verifier.verify(await forge(header, payload, secret))).not.toBeNull();
      const other = new TextEncoder().encode('another-secret-that-is-long-enough-32b');
      expect(h.verifier.verify(await forge(header, payload, other))).toBeNull();
      expect(h.verifier.verify(await forge(header, { ...payload, iss: 'https://evil.test' }, secret))).toBeNull();
      expect(h.verifier.verify(await forge(header, { ...payload, aud: 'other' }, secret))).toBeNull();
      expect(h.verifier.verify(await forge({ ...header, kid: 'unknown' }, payload, secret))).toBeNull();
      expect(h.verifier.verify(await forge({ alg: 'HS256', typ: 'JWT' }, payload, secret))).toBeNull();
      // jose refuses to sign an unknown `crit` extension, so this one is signed by hand.
      const input = `${b64({ ...header, crit: ['exp'], exp: 1 })}.${b64(payload)}`;
      const signature = createHmac('sha256', SECRET).update(input).digest('base64url');
      expect(h.verifier.verify(`${input}.${signature}`)).toBeNull();
    });

    it('refuses well-signed tokens whose claims have the wrong shape', async () => {
      const header = { alg: 'HS256', typ: 'JWT', kid: h.keys.signingKey().kid };
      const secret = new TextEncoder().encode(SECRET);
      const payload = part(h.signer.sign(INPUT).token, 1);
      const { jti: _jti, ...noJti } = payload;
      expect(h.verifier.verify(await forge(header, { ...payload, exp: String(payload.exp) }, secret))).toBeNull();
      expect(h.verifier.verify(await forge(header, noJti, secret))).toBeNull();
      expect(h.verifier.verify(await forge(header, { ...payload, roles: 'admin' }, secret))).toBeNull();
      expect(h.verifier.verify(await forge(header, { ...payload, email: 'a@b.c' }, secret))).toBeNull();
    });

    it('verifyOptions pins the one algorithm, with issuer, audience and 30 s leeway', () => {
      expect(h.verifier.verifyOptions()).toEqual({
        algorithms: ['HS256'],
        issuer: 'https://auth.example.test',
        audience: 'api',
        clockTolerance: 30,
        complete: false,
      });
      expect(harness('EdDSA', keyDir('EdDSA').dir).verifier.verifyOptions().algorithms).toEqual(['EdDSA']);
    });
  });

  it('a newer key file signs new tokens; tokens of the older key still verify', () => {
    const { dir } = keyDir('ES256', 1_700_000_000);
    const before = harness('ES256', dir);
    const old = before.signer.sign(INPUT).token;
    const oldKid = part(old, 0).kid;

    keyDir('ES256', 1_700_000_600, dir);
    const after = harness('ES256', dir);
    const fresh = after.signer.sign(INPUT).token;
    expect(part(fresh, 0).kid).not.toBe(oldKid);
    expect(part(fresh, 0).kid).toBe(after.keys.signingKey().kid);
    expect(after.verifier.verify(old)).not.toBeNull();
    expect(after.verifier.verify(fresh)).not.toBeNull();
    // The process that only knows the old key refuses the new one: the kid really selects the key.
    expect(before.verifier.verify(fresh)).toBeNull();
  });

  it('an ES256 token is refused by an RS256 server (pinned algorithm)', () => {
    const es = harness('ES256', keyDir('ES256').dir).signer.sign(INPUT).token;
    expect(harness('RS256', keyDir('RS256').dir).verifier.verify(es)).toBeNull();
  });

  it('is wired by Nest from ConfigModule.forFeature(jwtConfig) and JwtModule.register({})', async () => {
    harness('HS256');
    const moduleRef = await Test.createTestingModule({
      imports: [ConfigModule.forFeature(jwtConfig), JwtModule.register({})],
      providers: [JwtKeysService, AccessTokenSigner, AccessTokenVerifier],
    }).compile();
    const { token } = moduleRef.get(AccessTokenSigner).sign(INPUT);
    expect(moduleRef.get(AccessTokenVerifier).verify(token)?.sub).toBe(INPUT.sub);
    await moduleRef.close();
  });
});

const JKT = '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I';

describe('parseAccessClaims', () => {
  const valid: JWTPayload & Record<string, unknown> = {
    iss: 'auth-server',
    aud: 'api',
    sub: 'user-1',
    sid: 'sess-1',
    iat: 1_795_339_800.848,
    nbf: 1_795_339_800,
    exp: 1_795_340_700,
    jti: '0d9a3c1e-1111-4222-8333-944455556666',
    roles: ['user'],
    auth_time: 1_795_339_000,
  };

  it('accepts the claims we issue and exposes issuedAtMs', () => {
    expect(parseAccessClaims(valid)).toEqual({ ...valid, issuedAtMs: 1_795_339_800_848 });
  });

  it('accepts the cnf of a DPoP-bound token (RFC 9449 §6.1)', () => {
    expect(parseAccessClaims({ ...valid, cnf: { jkt: JKT } })).toEqual({
      ...valid,
      cnf: { jkt: JKT },
      issuedAtMs: 1_795_339_800_848,
    });
  });

  it.each([
    ['exp as a string', { ...valid, exp: '1795340700' }],
    ['missing jti', { ...valid, jti: undefined }],
    ['empty sub', { ...valid, sub: '' }],
    ['an over-long sid', { ...valid, sid: 'x'.repeat(129) }],
    ['roles not an array', { ...valid, roles: 'user' }],
    ['an unknown role', { ...valid, roles: ['user', 'root'] }],
    ['a role twice', { ...valid, roles: ['user', 'user'] }],
    ['a nested sub', { ...valid, sub: { id: 'user-1' } }],
    ['aud as an array', { ...valid, aud: ['api'] }],
    ['iat not finite', { ...valid, iat: Number.POSITIVE_INFINITY }],
    ['an extra claim', { ...valid, email: 'a@b.c' }],
    ['a cnf that is not an object', { ...valid, cnf: JKT }],
    ['a cnf with another member', { ...valid, cnf: { jkt: JKT, x5t: 'x' } }],
    ['a cnf.jkt that is no SHA-256 thumbprint', { ...valid, cnf: { jkt: 'short' } }],
    ['a cnf beside an extra claim', { ...valid, cnf: { jkt: JKT }, email: 'a@b.c' }],
    ['no auth_time', { ...valid, auth_time: undefined }],
    ['auth_time as a string', { ...valid, auth_time: '1795339000' }],
    ['a negative auth_time', { ...valid, auth_time: -1 }],
  ])('refuses %s', (_label, payload) => {
    const clean = Object.fromEntries(Object.entries(payload).filter(([, v]) => v !== undefined));
    expect(parseAccessClaims(clean)).toBeNull();
  });

  it.each([null, undefined, 'string', 42, [valid]])('refuses a non-object payload: %p', (payload) => {
    expect(parseAccessClaims(payload)).toBeNull();
  });
});
