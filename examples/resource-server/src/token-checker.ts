import { createRemoteJWKSet, EmbeddedJWK, calculateJwkThumbprint, jwtVerify, type JWTPayload } from 'jose';
import { createHash } from 'node:crypto';
import type { ResourceServerConfig } from './config.js';

export interface Caller {
  sub: string;
  sid: string;
}

interface Cached {
  active: boolean;
  until: number;
}

const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');
const DPOP_ALGS = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'];

/**
 * Accepts the auth server's access tokens in two steps:
 * 1. the signature and claims, offline, against the auth server's JWKS (fetched once, refreshed
 *    when an unknown `kid` shows up): forgeries and expired tokens never cost a network call;
 * 2. whether the token is still live, by introspection (RFC 7662), because a JWKS cannot say that
 *    a session was ended. "Active" answers are cached for `introspectionCacheSeconds` (the
 *    staleness bound: a revoked token is refused here at most that long after the revocation);
 *    "inactive" ones until the token expires, since a revocation is never undone.
 * A DPoP-bound token (`cnf.jkt`) is accepted only as `Authorization: DPoP` with a proof by its key
 * (RFC 9449 §7). Replay marks live in this process: a service of several instances would keep them
 * in a shared store, as the auth server does.
 */
export class TokenChecker {
  private readonly jwks: ReturnType<typeof createRemoteJWKSet>;
  private readonly cache = new Map<string, Cached>();
  private readonly seenProofs = new Map<string, number>();
  private readonly basic: string;

  constructor(private readonly config: ResourceServerConfig) {
    this.jwks = createRemoteJWKSet(new URL(`${config.authUrl}/.well-known/jwks.json`));
    const encode = (s: string): string => encodeURIComponent(s);
    this.basic = `Basic ${Buffer.from(`${encode(config.clientId)}:${encode(config.clientSecret)}`).toString('base64')}`;
  }

  /** The caller, or null for any refusal. Throws only when the auth server cannot be asked (a 503). */
  async check(req: { method: string; path: string; authorization?: string; dpop?: string }): Promise<Caller | null> {
    const m = /^(Bearer|DPoP) ([\w.~+/-]+=*)$/i.exec(req.authorization ?? '');
    if (!m) return null;
    const scheme = m[1]!.toLowerCase();
    const token = m[2]!;
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        clockTolerance: 30,
      }));
    } catch {
      return null;
    }
    const jkt = (payload.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (typeof jkt === 'string') {
      if (scheme !== 'dpop' || !(await this.proofHolds(req, token, jkt))) return null;
    } else if (scheme !== 'bearer') {
      return null;
    }
    if (!(await this.active(token, payload.exp ?? 0))) return null;
    return { sub: String(payload.sub), sid: String(payload.sid) };
  }

  private async active(token: string, exp: number): Promise<boolean> {
    const key = sha256(token);
    const now = Date.now();
    const hit = this.cache.get(key);
    if (hit && hit.until > now) return hit.active;
    const res = await fetch(`${this.config.authUrl}/oauth/introspect`, {
      method: 'POST',
      headers: { authorization: this.basic, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: 'access_token' }),
    });
    if (res.status !== 200) throw new Error(`Introspection failed with ${res.status}`);
    const { active } = (await res.json()) as { active?: unknown };
    const live = active === true;
    const expMs = exp * 1000;
    this.remember(key, {
      active: live,
      until: live ? Math.min(now + this.config.introspectionCacheSeconds * 1000, expMs) : expMs,
    });
    return live;
  }

  /** RFC 9449 §4.3 and §7.1: a fresh, unreplayed proof for this request, by the token's key. */
  private async proofHolds(
    req: { method: string; path: string; dpop?: string },
    token: string,
    jkt: string,
  ): Promise<boolean> {
    if (typeof req.dpop !== 'string' || req.dpop.includes(',')) return false;
    try {
      const { payload, protectedHeader } = await jwtVerify(req.dpop, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: DPOP_ALGS,
        requiredClaims: ['jti', 'htm', 'htu', 'iat', 'ath'],
      });
      const htu = new URL(String(payload.htu));
      const expected = new URL(this.config.publicUrl + req.path);
      if (payload.htm !== req.method || htu.origin !== expected.origin || htu.pathname !== expected.pathname)
        return false;
      if (Math.abs(Date.now() / 1000 - Number(payload.iat)) > 60 || payload.ath !== sha256(token)) return false;
      if ((await calculateJwkThumbprint(protectedHeader.jwk!)) !== jkt) return false;
      const mark = sha256(`${jkt}.${String(payload.jti)}`);
      if (this.seenProofs.has(mark)) return false;
      this.seenProofs.set(mark, Date.now() + 121_000);
      return true;
    } catch {
      return false;
    }
  }

  /** Bounded by the tokens alive: expired entries go when the map grows. */
  private remember(key: string, entry: Cached): void {
    if (this.cache.size > 10_000 || this.seenProofs.size > 10_000) {
      const now = Date.now();
      for (const [k, v] of this.cache) if (v.until <= now) this.cache.delete(k);
      for (const [k, until] of this.seenProofs) if (until <= now) this.seenProofs.delete(k);
    }
    this.cache.set(key, entry);
  }
}
