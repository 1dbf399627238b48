import { calculateJwkThumbprint, type JWK } from 'jose';
import { createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jwtConfig } from '../../config/config.js';
import { ConfigError, type JwtAlgorithm } from '../../config/env.js';
import { JwtKeysService } from './jwt-keys.service.js';

const SECRET = 'k'.repeat(20) + 'ü'.repeat(10) + '-test-secret';
const saved = { ...process.env };
let root: string;

beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'jwt-keys-'));
});
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});
afterEach(() => {
  process.env = { ...saved };
});

function freshDir(): string {
  return mkdtempSync(join(root, 'keys-'));
}

/** Builds the service the way Nest does: from the `jwtConfig` namespace over the environment. */
function service(algorithm: JwtAlgorithm, keysDir?: string): JwtKeysService {
  process.env = {
    ...saved,
    NODE_ENV: 'test',
    DATABASE_URL: `sqlite:${join(root, 'x.sqlite')}`,
    JWT_ALGORITHM: algorithm,
    JWT_SECRET: SECRET,
    JWT_KEYS_DIR: keysDir ?? '',
  };
  return new JwtKeysService(jwtConfig());
}

type KeySpec =
  | { type: 'rsa'; bits?: number; encoding?: 'pkcs8' | 'pkcs1' }
  | { type: 'ec'; curve?: string; encoding?: 'pkcs8' | 'sec1' }
  | { type: 'ed25519' | 'ed448' };

/** Writes a fresh private key as PEM; `mtime` (epoch seconds) orders the files for rotation. */
function writeKey(dir: string, name: string, spec: KeySpec, mtime?: number): KeyObject {
  let privateKey: KeyObject;
  let type: 'pkcs8' | 'pkcs1' | 'sec1' = 'pkcs8';
  if (spec.type === 'rsa') {
    privateKey = generateKeyPairSync('rsa', { modulusLength: spec.bits ?? 2048 }).privateKey;
    type = spec.encoding ?? 'pkcs8';
  } else if (spec.type === 'ec') {
    privateKey = generateKeyPairSync('ec', { namedCurve: spec.curve ?? 'P-256' }).privateKey;
    type = spec.encoding ?? 'pkcs8';
  } else if (spec.type === 'ed25519') {
    privateKey = generateKeyPairSync('ed25519').privateKey;
  } else {
    privateKey = generateKeyPairSync('ed448').privateKey;
  }
  const path = join(dir, name);
  writeFileSync(path, privateKey.export({ format: 'pem', type } as never));
  if (mtime !== undefined) utimesSync(path, mtime, mtime);
  return privateKey;
}

const publicJwk = (key: KeyObject): JWK => createPublicKey(key).export({ format: 'jwk' });

const ASYMMETRIC: [Exclude<JwtAlgorithm, 'HS256'>, KeySpec, string[]][] = [
  ['RS256', { type: 'rsa' }, ['alg', 'e', 'kid', 'kty', 'n', 'use']],
  ['ES256', { type: 'ec' }, ['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']],
  ['EdDSA', { type: 'ed25519' }, ['alg', 'crv', 'kid', 'kty', 'use', 'x']],
];

describe('JwtKeysService', () => {
  describe.each(ASYMMETRIC)('%s', (algorithm, spec, members) => {
    let dir: string;
    let priv: KeyObject;
    let keys: JwtKeysService;
    beforeAll(() => {
      dir = freshDir();
      priv = writeKey(dir, 'only.pem', spec);
      keys = service(algorithm, dir);
    });

    it('derives the kid as the RFC 7638 thumbprint, equal to jose', async () => {
      const expected = await calculateJwkThumbprint(publicJwk(priv), 'sha256');
      expect(keys.algorithm).toBe(algorithm);
      expect(keys.signingKey().kid).toBe(expected);
    });

    it('signs with the private key and verifies with the public key of that kid', () => {
      const { kid, key } = keys.signingKey();
      expect(key.type).toBe('private');
      expect(key.export({ format: 'jwk' })).toEqual(priv.export({ format: 'jwk' }));
      const verifying = keys.verificationKey(kid);
      expect(verifying?.type).toBe('public');
      expect(verifying?.export({ format: 'jwk' })).toEqual(publicJwk(priv));
      expect(keys.verificationKey(undefined)).toBeUndefined();
      expect(keys.verificationKey('not-a-kid')).toBeUndefined();
      expect(keys.verificationKey('__proto__')).toBeUndefined();
    });

    it('publishes the public JWK only, with kid, alg and use', async () => {
      const { keys: published } = keys.jwks();
      expect(published).toHaveLength(1);
      const jwk = published[0]!;
      expect(Object.keys(jwk).sort()).toEqual(members);
      expect(jwk).not.toHaveProperty('d');
      expect(jwk).toMatchObject({ ...publicJwk(priv), kid: keys.signingKey().kid, alg: algorithm, use: 'sig' });
      // The published JWK alone gives the same thumbprint, so any client can check the kid.
      expect(await calculateJwkThumbprint(jwk as JWK)).toBe(jwk.kid);
    });
  });

  it('HS256: kid is the thumbprint of the oct JWK, the JWKS is empty, the key is secret', async () => {
    const keys = service('HS256');
    const { kid, key } = keys.signingKey();
    expect(key.type).toBe('secret');
    expect(key.export().toString('utf8')).toBe(SECRET);
    expect(kid).toBe(
      await calculateJwkThumbprint({ kty: 'oct', k: Buffer.from(SECRET, 'utf8').toString('base64url') }),
    );
    expect(keys.verificationKey(kid)).toBe(key);
    expect(keys.verificationKey(undefined)).toBeUndefined();
    expect(keys.jwks()).toEqual({ keys: [] });
  });

  it('reads traditional PEM (PKCS#1 RSA, SEC1 EC) as well as PKCS#8', async () => {
    const rsaDir = freshDir();
    const rsa = writeKey(rsaDir, 'legacy.pem', { type: 'rsa', encoding: 'pkcs1' });
    expect(service('RS256', rsaDir).signingKey().kid).toBe(await calculateJwkThumbprint(publicJwk(rsa)));
    const ecDir = freshDir();
    const ec = writeKey(ecDir, 'legacy.pem', { type: 'ec', encoding: 'sec1' });
    expect(service('ES256', ecDir).signingKey().kid).toBe(await calculateJwkThumbprint(publicJwk(ec)));
  });

  describe('rotation', () => {
    it('the newest file by mtime signs, whatever its name; every key verifies and is published', async () => {
      const dir = freshDir();
      const older = writeKey(dir, 'z-older.pem', { type: 'ec' }, 1_700_000_000);
      const newer = writeKey(dir, 'a-newer.pem', { type: 'ec' }, 1_700_000_100);
      writeFileSync(join(dir, 'README.txt'), 'not a key, ignored');
      mkdirSync(join(dir, 'folder.pem'));
      const keys = service('ES256', dir);
      const olderKid = await calculateJwkThumbprint(publicJwk(older));
      const newerKid = await calculateJwkThumbprint(publicJwk(newer));
      expect(keys.signingKey().kid).toBe(newerKid);
      expect(keys.verificationKey(olderKid)?.export({ format: 'jwk' })).toEqual(publicJwk(older));
      expect(keys.verificationKey(newerKid)?.export({ format: 'jwk' })).toEqual(publicJwk(newer));
      expect(keys.jwks().keys.map((k) => k.kid)).toEqual([newerKid, olderKid]);
    });

    it('adding a newer file makes it the signer while the older kid still resolves', async () => {
      const dir = freshDir();
      const first = writeKey(dir, 'key-1.pem', { type: 'ed25519' }, 1_700_000_000);
      const before = service('EdDSA', dir);
      const firstKid = await calculateJwkThumbprint(publicJwk(first));
      expect(before.signingKey().kid).toBe(firstKid);

      const second = writeKey(dir, 'key-2.pem', { type: 'ed25519' }, 1_700_000_500);
      const after = service('EdDSA', dir);
      expect(after.signingKey().kid).toBe(await calculateJwkThumbprint(publicJwk(second)));
      expect(after.verificationKey(firstKid)).toBeDefined();
    });

    it('on equal mtimes the last file name signs', async () => {
      const dir = freshDir();
      writeKey(dir, '2024-01.pem', { type: 'ec' }, 1_700_000_000);
      const later = writeKey(dir, '2024-02.pem', { type: 'ec' }, 1_700_000_000);
      expect(service('ES256', dir).signingKey().kid).toBe(await calculateJwkThumbprint(publicJwk(later)));
    });

    it('the same key in two files is indexed and published once', () => {
      const dir = freshDir();
      const key = writeKey(dir, 'a.pem', { type: 'ed25519' });
      writeFileSync(join(dir, 'copy.pem'), key.export({ format: 'pem', type: 'pkcs8' }));
      expect(service('EdDSA', dir).jwks().keys).toHaveLength(1);
    });
  });

  describe('refuses keys that do not fit the algorithm, naming JWT_KEYS_DIR and the file', () => {
    const cases: [string, JwtAlgorithm, KeySpec][] = [
      ['an EC key for RS256', 'RS256', { type: 'ec' }],
      ['a 1024-bit RSA key for RS256', 'RS256', { type: 'rsa', bits: 1024 }],
      ['an RSA key for ES256', 'ES256', { type: 'rsa' }],
      ['a P-384 key for ES256', 'ES256', { type: 'ec', curve: 'P-384' }],
      ['an Ed25519 key for ES256', 'ES256', { type: 'ed25519' }],
      ['an Ed448 key for EdDSA', 'EdDSA', { type: 'ed448' }],
      ['an RSA key for EdDSA', 'EdDSA', { type: 'rsa' }],
    ];
    it.each(cases)('%s', (_label, algorithm, spec) => {
      const dir = freshDir();
      writeKey(dir, 'good-name.pem', spec);
      expectConfigError(() => service(algorithm, dir), join(dir, 'good-name.pem'));
    });

    it('one bad file among good ones', () => {
      const dir = freshDir();
      writeKey(dir, 'good.pem', { type: 'ec' });
      writeKey(dir, 'bad.pem', { type: 'rsa' });
      expectConfigError(() => service('ES256', dir), join(dir, 'bad.pem'));
    });

    it('a public key, an encrypted key, or garbage', () => {
      const pub = freshDir();
      const { publicKey } = generateKeyPairSync('ed25519');
      writeFileSync(join(pub, 'public.pem'), publicKey.export({ format: 'pem', type: 'spki' }));
      expectConfigError(() => service('EdDSA', pub), join(pub, 'public.pem'));

      const enc = freshDir();
      const { privateKey } = generateKeyPairSync('ed25519');
      writeFileSync(
        join(enc, 'locked.pem'),
        privateKey.export({ format: 'pem', type: 'pkcs8', cipher: 'aes-256-cbc', passphrase: 'x' }),
      );
      expectConfigError(() => service('EdDSA', enc), join(enc, 'locked.pem'));

      const junk = freshDir();
      writeFileSync(join(junk, 'junk.pem'), 'not a key\n');
      expectConfigError(() => service('EdDSA', junk), join(junk, 'junk.pem'));
    });

    it('no key file at all, or a missing folder', () => {
      const empty = freshDir();
      writeFileSync(join(empty, 'key.txt'), 'ignored');
      expectConfigError(() => service('RS256', empty), empty);
      expectConfigError(() => service('RS256', join(empty, 'missing')), join(empty, 'missing'));
    });
  });
});

function expectConfigError(build: () => unknown, mention: string): void {
  let error: unknown;
  try {
    build();
  } catch (err) {
    error = err;
  }
  expect(error).toBeInstanceOf(ConfigError);
  const message = (error as Error).message;
  expect(message).toContain('JWT_KEYS_DIR');
  expect(message).toContain(mention);
  expect(message).not.toContain('\n');
}
