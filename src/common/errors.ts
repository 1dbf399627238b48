/**
 * Domain errors: services throw these for states the domain knows about, and the one exception
 * filter maps their code to an HTTP status at the edge. Services never throw HTTP exceptions.
 */
export type DomainErrorCode =
  | 'EMAIL_TAKEN'
  | 'CONFLICT'
  | 'INVALID_INPUT'
  | 'NOT_FOUND'
  | 'INVALID_CREDENTIALS'
  | 'UNAUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'FORBIDDEN'
  | 'REAUTH_REQUIRED'
  | 'EMAIL_NOT_VERIFIED'
  | 'INVALID_MAIL_TOKEN'
  | 'LAST_ADMIN'
  | 'CSRF_FAILED'
  | 'LOCKED'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE'
  | 'INVALID_DPOP_PROOF'
  | 'USE_DPOP_NONCE';

export class DomainError extends Error {
  constructor(
    readonly code: DomainErrorCode,
    message: string,
    /** Seconds a client should wait, for `Retry-After`. */
    readonly retryAfter?: number,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** The signature algorithms a DPoP proof may use (RFC 9449 §5.1: asymmetric only; Ed25519 is EdDSA's fully specified name). */
export const DPOP_ALGORITHMS = ['ES256', 'EdDSA', 'Ed25519', 'RS256', 'PS256'] as const;

/**
 * A refusal under RFC 9449, whose answer the standard fixes: at the token endpoint a 400 with the
 * OAuth error code; at a resource a 401 with `WWW-Authenticate: DPoP error=…, algs=…` (§7.1).
 * Either way, `use_dpop_nonce` carries the nonce to use in `DPoP-Nonce` (§8, §9).
 */
export class DpopError extends DomainError {
  constructor(
    readonly oauthError: 'invalid_dpop_proof' | 'use_dpop_nonce' | 'invalid_token',
    readonly atResource: boolean,
    readonly nonce?: string,
  ) {
    super(
      oauthError === 'use_dpop_nonce'
        ? 'USE_DPOP_NONCE'
        : oauthError === 'invalid_token'
          ? 'INVALID_TOKEN'
          : 'INVALID_DPOP_PROOF',
      oauthError === 'use_dpop_nonce'
        ? 'A DPoP nonce is required'
        : oauthError === 'invalid_token'
          ? 'Unauthorized'
          : 'Invalid DPoP proof',
    );
  }
}
