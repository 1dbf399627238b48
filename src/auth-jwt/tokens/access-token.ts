import { Inject, Injectable } from '@nestjs/common';
import { type ConfigType } from '@nestjs/config';
import { JwtService, type JwtVerifyOptions } from '@nestjs/jwt';
import { LRUCache } from 'lru-cache';
import { type KeyObject, randomUUID } from 'node:crypto';
import { jwtConfig } from '../../config/config.js';
import { type JwtAlgorithm } from '../../config/env.js';
import { ROLES, type Role } from '../../users/user.entity.js';
import { JwtKeysService } from '../keys/jwt-keys.service.js';
import { signEdDsa, verifyEdDsa } from './eddsa-jws.js';
import { verifyHs256 } from './hs256-jws.js';

/**
 * Access tokens: compact JWS, header exactly `{alg, typ: "JWT", kid}`, claims exactly
 * `iss, aud, sub, sid, iat, nbf, exp, jti, roles, auth_time` — no email, name or other personal data.
 * `auth_time` (RFC 9470 §2, whole seconds) is when the user last really signed in; refreshes keep it.
 *
 * - Signing goes through @nestjs/jwt (jsonwebtoken) for HS256, RS256 and ES256, handed the
 *   KeyObject built once by JwtKeysService (≈45× faster than a string secret, see there). EdDSA,
 *   which jsonwebtoken does not implement, is signed and verified on node:crypto (eddsa-jws.ts).
 *   HS256 is verified on node:crypto too (hs256-jws.ts): on the Bearer hot path jsonwebtoken costs
 *   about three times the HMAC it wraps (`bench/micro.ts`). RS256 and ES256 verify through
 *   @nestjs/jwt, where the public-key operation dominates. Every path checks the same things.
 *   JwtModule must be registered with no `secret`/`privateKey`/`signOptions` (`register({})`):
 *   @nestjs/jwt prefers a module-level secret over the per-call key and merges module sign options.
 * - `iat` has millisecond precision (RFC 7519 §2: a NumericDate may be non-integer). A per-user
 *   cut-off ("tokens issued before this instant are void") is kept in ms, and a token issued later
 *   in the same second must still pass. jsonwebtoken keeps an explicit `iat` from the payload; no
 *   `expiresIn`/`notBefore` options are passed, so it computes nothing from its own clock.
 *   `nbf` is `iat` rounded down to the second, not `iat` itself: verifiers (jsonwebtoken, jose)
 *   compare `nbf` with the current time floored to the second, so a fractional `nbf` would make a
 *   fresh token fail for up to a second at any resource server verifying with zero leeway.
 *   `exp` is whole seconds.
 * - Verification pins the one configured algorithm (RFC 8725 §3.1, "perform algorithm
 *   verification"): never `none`, never HMAC when an asymmetric algorithm is configured — the
 *   RS/ES/Ed public key is public, so accepting HS256 would let anyone sign with it (RFC 8725 §2.1).
 *   The key is picked by `kid` among keys of that algorithm only. Issuer, audience, `exp` and `nbf`
 *   are checked with 30 s leeway for clock skew, then every claim's type (`parseAccessClaims`).
 */

/** Claims of a verified access token, typed. `issuedAtMs` is `iat` in epoch milliseconds. */
export interface AccessClaims {
  iss: string;
  aud: string;
  sub: string;
  sid: string;
  iat: number;
  nbf: number;
  exp: number;
  jti: string;
  roles: Role[];
  auth_time: number;
  issuedAtMs: number;
  /** RFC 9449 §6.1: the thumbprint of the key a DPoP-bound token is bound to. */
  cnf?: { jkt: string };
}

export interface SignedAccessToken {
  token: string;
  jti: string;
  expiresAt: Date;
  issuedAtMs: number;
}

/** Options for jsonwebtoken / passport-jwt (`jsonWebTokenOptions`) verification. */
export interface AccessVerifyOptions {
  algorithms: [JwtAlgorithm];
  issuer: string;
  audience: string;
  clockTolerance: number;
  complete: false;
}

/** RFC 7519 §4.1.4-§4.1.5 allow "some small leeway" for clock skew; 30 s is what api.md specifies. */
export const CLOCK_TOLERANCE_SECONDS = 30;
/**
 * The instant (epoch ms) until which an access token with this `exp` still passes verification:
 * how long a refusal of it must be kept. Given the TTL instead of an `exp`, how long one issued
 * now lives. The one place that lifetime is computed.
 */
export const acceptedUntilMs = (exp: number): number => (exp + CLOCK_TOLERANCE_SECONDS) * 1000;
/** Our tokens are well under 1 KiB; anything far longer is refused before any parsing. */
const MAX_TOKEN_LENGTH = 4096;
const MAX_ID_LENGTH = 128;
const MAX_URI_LENGTH = 256;
const CLAIM_COUNT = 10;
/** How many verified tokens `AccessTokenVerifier` remembers (each under 2 KiB with its claims). */
const VERIFIED_MAX = 10_000;

@Injectable()
export class AccessTokenSigner {
  private readonly algorithm: JwtAlgorithm;
  private readonly issuer: string;
  private readonly audience: string;
  private readonly ttlSeconds: number;

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: JwtKeysService,
    @Inject(jwtConfig.KEY) cfg: ConfigType<typeof jwtConfig>,
  ) {
    this.algorithm = cfg.algorithm;
    this.issuer = cfg.issuer;
    this.audience = cfg.audience;
    this.ttlSeconds = cfg.accessTtl;
  }

  /**
   * `authTime`: epoch ms of the sign-in that opened the session (RFC 9470 `auth_time`); `jkt`: the
   * thumbprint of the DPoP key the session is bound to, carried as `cnf.jkt` (RFC 9449 §6.1).
   */
  sign(input: { sub: string; sid: string; roles: readonly Role[]; authTime: number; jkt?: string }): SignedAccessToken {
    const issuedAtMs = Date.now();
    const iat = issuedAtMs / 1000;
    const exp = Math.floor(iat) + this.ttlSeconds;
    const jti = randomUUID();
    // Claims set in the payload, in this order; jsonwebtoken adds nothing since no option asks it to.
    const payload = {
      iss: this.issuer,
      aud: this.audience,
      sub: input.sub,
      sid: input.sid,
      iat,
      nbf: Math.floor(iat),
      exp,
      jti,
      roles: [...input.roles],
      auth_time: Math.floor(input.authTime / 1000),
      ...(input.jkt === undefined ? {} : { cnf: { jkt: input.jkt } }),
    };
    const { kid, key } = this.keys.signingKey();
    const token =
      this.algorithm === 'EdDSA'
        ? signEdDsa({ alg: 'EdDSA', typ: 'JWT', kid }, payload, key)
        : // jsonwebtoken writes the header `{alg, typ: "JWT", kid}` from `algorithm` and `keyid`.
          this.jwt.sign(payload, { algorithm: this.algorithm, keyid: kid, privateKey: key });
    return { token, jti, expiresAt: new Date(exp * 1000), issuedAtMs };
  }
}

@Injectable()
export class AccessTokenVerifier {
  private readonly algorithm: JwtAlgorithm;
  private readonly ttlSeconds: number;
  private readonly options: AccessVerifyOptions;
  /** The same options, typed for @nestjs/jwt: RS256 and ES256, which go through it. */
  private readonly jwtOptions: JwtVerifyOptions | undefined;
  /** HS256 and EdDSA: the signature checked on node:crypto, then the claims by `registeredClaimsHold`. */
  private readonly direct: ((token: string, key: KeyObject) => unknown) | undefined;
  /**
   * The claims of tokens that passed every check, by the token's exact text. A client presents the
   * same token on every request until it expires, and the header parse and the signature were most
   * of the guard's CPU (bench profiles). The keys are loaded once at start-up (retiring one takes a
   * restart, which empties this), so only the clock can change the verdict, and it is checked on
   * every use. Revocation is the caller's check, never remembered. Only what passed is kept, so
   * forged tokens cannot fill it.
   */
  private readonly verified = new LRUCache<string, AccessClaims>({ max: VERIFIED_MAX });

  constructor(
    private readonly jwt: JwtService,
    private readonly keys: JwtKeysService,
    @Inject(jwtConfig.KEY) cfg: ConfigType<typeof jwtConfig>,
  ) {
    const { algorithm, issuer, audience } = cfg;
    this.algorithm = algorithm;
    this.ttlSeconds = cfg.accessTtl;
    this.options = {
      algorithms: [algorithm],
      issuer,
      audience,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      complete: false,
    };
    this.direct = algorithm === 'HS256' ? verifyHs256 : algorithm === 'EdDSA' ? verifyEdDsa : undefined;
    this.jwtOptions =
      algorithm === 'HS256' || algorithm === 'EdDSA'
        ? undefined
        : { ...this.options, algorithms: [algorithm] satisfies JwtVerifyOptions['algorithms'] };
  }

  /**
   * jsonwebtoken verify options: the configured algorithm only, issuer, audience, 30 s leeway.
   * For passport-jwt, pass them as `jsonWebTokenOptions` with `secretOrKeyProvider` calling
   * `keyFor`; that works for HS256, RS256 and ES256 but not EdDSA (jsonwebtoken lacks it), for
   * which `verify` is the way.
   */
  verifyOptions(): AccessVerifyOptions {
    return { ...this.options, algorithms: [this.algorithm] };
  }

  /**
   * The verification key named by the token's header, or undefined when the header is not ours:
   * not JSON, another `alg`, no or unknown `kid`, or a `crit` member (RFC 7515 §4.1.11: extensions
   * we do not implement must be refused). Reads the first segment only.
   */
  keyFor(token: string): KeyObject | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || dot > 512) return undefined;
    const raw = Buffer.from(token.slice(0, dot), 'base64url').toString('utf8');
    // RFC 7515 §5.2 lets a parser keep the last of duplicate members; we refuse duplicates (and the
    // escapes that could disguise one, which our own headers never contain), so `alg` means one thing.
    if (raw.includes('\\') || (raw.match(/"alg"/g) ?? []).length !== 1 || (raw.match(/"kid"/g) ?? []).length !== 1)
      return undefined;
    let header: unknown;
    try {
      header = JSON.parse(raw);
    } catch {
      return undefined;
    }
    if (typeof header !== 'object' || header === null || Array.isArray(header)) return undefined;
    const h = header as { alg?: unknown; kid?: unknown; crit?: unknown };
    if (h.alg !== this.algorithm || typeof h.kid !== 'string' || h.crit !== undefined) return undefined;
    return this.keys.verificationKey(h.kid);
  }

  /**
   * Verifies a Bearer token completely: header, signature, `iss`, `aud`, `exp`, `nbf` (30 s
   * leeway), the claims' types, and a lifetime no longer than ours from an `iat` not in the future. Null on any failure, never the library's error text.
   * Revocation (blacklist) is the caller's next step.
   */
  verify(token: string): AccessClaims | null {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) return null;
    const known = this.verified.get(token);
    if (known) return this.holdsNow(known) ? known : null;
    const key = this.keyFor(token);
    const claims = key && this.checkSignature(token, key);
    if (!claims || !this.holdsNow(claims)) return null;
    // Frozen: every request presenting this token shares the object.
    Object.freeze(claims.roles);
    if (claims.cnf) Object.freeze(claims.cnf);
    this.verified.set(token, Object.freeze(claims));
    return claims;
  }

  /** The checks the clock can change: `exp`, `nbf`, and the lifetime from `iat`; with `iss` and `aud`. */
  private holdsNow(c: AccessClaims): boolean {
    return this.registeredClaimsHold(c) && this.lifetimeHolds(c);
  }

  /** The typed claims of a token whose signature under `key` is right, else null. */
  private checkSignature(token: string, key: KeyObject): AccessClaims | null {
    if (this.direct) return parseAccessClaims(this.direct(token, key));
    // Unreachable: every algorithm has one of the two paths.
    if (!this.jwtOptions) return null;
    try {
      // @nestjs/jwt types the per-call key as string | Buffer but hands it unchanged to
      // jsonwebtoken, which takes a KeyObject (its `Secret` type) and runs ≈45× faster with one.
      // It checks iss, aud, exp and nbf itself; `registeredClaimsHold` checks them again, alike.
      return parseAccessClaims(
        this.jwt.verify<object>(token, { ...this.jwtOptions, secret: key as unknown as Buffer }),
      );
    } catch {
      return null;
    }
  }

  /**
   * A token we signed lives `JWT_ACCESS_TTL` from its `iat`, and was issued in the past. A token
   * claiming more (say `exp: 1e13`, signed with a leaked key) would outlive every revocation entry,
   * whose lifetime is computed from the access TTL; an `iat` in the future would pass the user's
   * forced-logout cut-off. Both are refused, with the same 30 s leeway for clock skew.
   */
  private lifetimeHolds(c: AccessClaims): boolean {
    return (
      c.exp - c.iat <= this.ttlSeconds + CLOCK_TOLERANCE_SECONDS && c.iat <= Date.now() / 1000 + CLOCK_TOLERANCE_SECONDS
    );
  }

  /** What jsonwebtoken checks on the other path, with the same clock (whole seconds) and leeway. */
  private registeredClaimsHold(c: AccessClaims): boolean {
    const now = Math.floor(Date.now() / 1000);
    return (
      c.iss === this.options.issuer &&
      c.aud === this.options.audience &&
      c.nbf <= now + CLOCK_TOLERANCE_SECONDS &&
      now < c.exp + CLOCK_TOLERANCE_SECONDS
    );
  }
}

const isId = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_ID_LENGTH;
const isUri = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= MAX_URI_LENGTH;
const isTime = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
const isRoles = (v: unknown): v is Role[] =>
  Array.isArray(v) &&
  v.length <= ROLES.length &&
  new Set(v).size === v.length &&
  v.every((r) => (ROLES as readonly unknown[]).includes(r));

/** `cnf` of a DPoP-bound token: exactly `{jkt}`, a base64url SHA-256 thumbprint (RFC 9449 §6.1). */
const isCnf = (v: unknown): v is { jkt: string } =>
  typeof v === 'object' &&
  v !== null &&
  Object.keys(v).length === 1 &&
  typeof (v as { jkt?: unknown }).jkt === 'string' &&
  /^[A-Za-z0-9_-]{43}$/.test((v as { jkt: string }).jkt);

/**
 * Strict type check of a verified payload: exactly the ten claims we issue (eleven with the optional
 * `cnf` of a DPoP-bound token), each of the right type. A token carrying anything else was not
 * made by `AccessTokenSigner` and is refused.
 */
export function parseAccessClaims(payload: unknown): AccessClaims | null {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return null;
  const p = payload as Record<string, unknown>;
  const { iss, aud, sub, sid, iat, nbf, exp, jti, roles, auth_time, cnf } = p;
  if (Object.keys(p).length !== CLAIM_COUNT + (cnf === undefined ? 0 : 1)) return null;
  if (!isUri(iss) || !isUri(aud) || !isId(sub) || !isId(sid) || !isId(jti)) return null;
  if (!isTime(iat) || !isTime(nbf) || !isTime(exp) || !isRoles(roles) || !isTime(auth_time)) return null;
  const claims: AccessClaims = {
    iss,
    aud,
    sub,
    sid,
    iat,
    nbf,
    exp,
    jti,
    roles,
    auth_time,
    issuedAtMs: Math.round(iat * 1000),
  };
  if (cnf === undefined) return claims;
  return isCnf(cnf) ? { ...claims, cnf: { jkt: cnf.jkt } } : null;
}
