import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { calculateJwkThumbprint, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { createHash } from 'node:crypto';
import { DPOP_ALGORITHMS, DpopError } from '../../common/errors.js';
import { type HttpRequest, pathOf } from '../../common/http/http-request.js';
import { dpopConfig } from '../../config/config.js';
import { EphemeralStore } from '../../ephemeral-store/ephemeral-store.js';
import { DpopNonces } from './dpop-nonces.js';

/** RFC 9449 §11.1 leaves the window to the server; api.md: `iat` within 60 s either way. */
const IAT_WINDOW_SECONDS = 60;
/**
 * A replay mark lives as long as its proof could be accepted: a proof dated up to 60 s ahead is
 * good until 60 s after its `iat`, so 120 s from now at most, plus a second of rounding.
 */
const REPLAY_MARK_MS = (2 * IAT_WINDOW_SECONDS + 1) * 1000;
/** Our proofs are well under 2 KiB even with an RSA key; far longer ones are refused unparsed. */
const MAX_PROOF_LENGTH = 8192;
const MAX_JTI_LENGTH = 256;

/** Where a proof is checked: the token endpoint (login, refresh) answers 400, a resource 401. */
export type ProofUse = { atResource: false } | { atResource: true; accessToken: string };

/** A token as the Authorization header presents it. */
export interface PresentedToken {
  scheme: 'bearer' | 'dpop';
  token: string;
}

const AUTHORIZATION = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*)$/i;

/** The access token of `Authorization: Bearer <t>` or `Authorization: DPoP <t>` (RFC 9449 §7.1), or null. */
export function presentedToken(req: HttpRequest): PresentedToken | null {
  const header = req.headers.authorization;
  if (typeof header !== 'string') return null;
  const m = AUTHORIZATION.exec(header);
  if (!m) return null;
  return { scheme: m[1]!.toLowerCase() === 'dpop' ? 'dpop' : 'bearer', token: m[2]! };
}

/** base64url SHA-256, as `ath` (RFC 9449 §4.2) and the replay key use it. */
const sha256 = (value: string): string => createHash('sha256').update(value).digest('base64url');

/**
 * Verifies DPoP proofs (RFC 9449 §4.3) with `jose`: `typ` dpop+jwt, an allowed asymmetric `alg`, a
 * public `jwk` in the header (a private one is refused), the signature, `htm`, `htu` against
 * `APP_URL` plus the request's path, `iat` within 60 s, `ath` at a resource, the server nonce when
 * `DPOP_NONCE` is on, and last the `jti`, accepted once across every instance (a mark in the
 * ephemeral store; a store that cannot answer makes the request a 503, never a pass).
 */
@Injectable()
export class DpopProofVerifier {
  private readonly origin: string;
  private readonly nonceRequired: boolean;
  private readonly requiredAtLogin: boolean;

  constructor(
    @Inject(dpopConfig.KEY) config: ConfigType<typeof dpopConfig>,
    private readonly nonces: DpopNonces,
    private readonly store: EphemeralStore,
  ) {
    this.origin = config.appUrl;
    this.nonceRequired = config.nonce;
    this.requiredAtLogin = config.required;
  }

  /**
   * The proof of a login or refresh (the token endpoint), if any: the thumbprint to bind the
   * session to, undefined without a proof, a 400 for a bad one. `DPOP_REQUIRED` makes a login
   * without a proof a 400 too.
   */
  async atTokenEndpoint(req: HttpRequest, route: 'login' | 'refresh'): Promise<string | undefined> {
    if (req.headers.dpop === undefined) {
      if (route === 'login' && this.requiredAtLogin) throw new DpopError('invalid_dpop_proof', false);
      return undefined;
    }
    return this.verify(req, { atResource: false });
  }

  /** The nonce to send in `DPoP-Nonce` with a successful answer, when nonces are on. */
  nonceToSend(): string | undefined {
    return this.nonceRequired ? this.nonces.current() : undefined;
  }

  /** Verifies the request's proof; resolves the RFC 7638 thumbprint of its key, or rejects with a DpopError. */
  async verify(req: HttpRequest, use: ProofUse): Promise<string> {
    const refused = (): DpopError => new DpopError('invalid_dpop_proof', use.atResource);
    const proof = req.headers.dpop;
    // Exactly one proof (§4.3 check 1): Node joins repeated headers with ", ", and a JWS has no comma.
    if (typeof proof !== 'string' || proof.length > MAX_PROOF_LENGTH || proof.includes(',')) throw refused();

    let header: { jwk?: JWK };
    let payload: Record<string, unknown>;
    try {
      const verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...DPOP_ALGORITHMS],
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
        // `iat` is checked below, in both directions; `exp`/`nbf`, if a client adds them, with no leeway.
      });
      header = verified.protectedHeader;
      payload = verified.payload;
    } catch {
      throw refused();
    }
    const jwk = header.jwk;
    // jose refuses a private key already; the check is repeated here because it matters so much.
    if (!jwk || 'd' in jwk || 'p' in jwk || 'k' in jwk) throw refused();

    const { jti, htm, htu, iat, ath, nonce } = payload;
    if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) throw refused();
    if (htm !== req.method) throw refused();
    if (!this.htuMatches(htu, req)) throw refused();
    if (typeof iat !== 'number' || Math.abs(Date.now() / 1000 - iat) > IAT_WINDOW_SECONDS) throw refused();
    if (use.atResource && ath !== sha256(use.accessToken)) throw refused();
    if (this.nonceRequired && !this.nonces.accepts(nonce)) {
      throw new DpopError('use_dpop_nonce', use.atResource, this.nonces.current());
    }
    const jkt = await calculateJwkThumbprint(jwk, 'sha256');
    // Last, so a refused proof never spends a mark. Keyed by key and jti: two clients may pick one jti.
    if (!(await this.store.claim(`dpop:jti:${sha256(`${jkt}.${jti}`)}`, REPLAY_MARK_MS))) throw refused();
    return jkt;
  }

  /**
   * How a verified access token may be presented at a resource (RFC 9449 §7.1): a bound one
   * (`cnf.jkt`) only as `DPoP` with a proof by that very key, an unbound one only as `Bearer`.
   */
  async checkPresentation(req: HttpRequest, presented: PresentedToken, boundJkt: string | undefined): Promise<void> {
    if (presented.scheme === 'bearer') {
      // A stolen bound token is worthless as a Bearer token (§7.2).
      if (boundJkt !== undefined) throw new DpopError('invalid_token', true);
      return;
    }
    if (boundJkt === undefined) throw new DpopError('invalid_token', true);
    const jkt = await this.verify(req, { atResource: true, accessToken: presented.token });
    if (jkt !== boundJkt) throw new DpopError('invalid_dpop_proof', true);
  }

  /**
   * RFC 9449 §4.3 checks 9 and §4.2: `htu` is the request's URI without query and fragment; the
   * origin is the public one (`APP_URL`, as the client saw it behind any proxy), the path the one
   * routed. Both sides go through the WHATWG URL parser, which applies the syntax- and scheme-based
   * normalisation of RFC 3986 §6.2.2-6.2.3 (case of scheme and host, default port, dot segments).
   */
  private htuMatches(htu: unknown, req: HttpRequest): boolean {
    if (typeof htu !== 'string' || htu.length > 2048) return false;
    let claimed: URL;
    let expected: URL;
    try {
      claimed = new URL(htu);
      expected = new URL(this.origin + pathOf(req));
    } catch {
      return false;
    }
    return claimed.origin === expected.origin && claimed.pathname === expected.pathname;
  }
}
