/**
 * Domain errors: services throw these for states the domain knows about, and the one exception
 * filter maps their code to an HTTP status at the edge. Services never throw HTTP exceptions.
 */
export type DomainErrorCode =
  | 'EMAIL_TAKEN'
  | 'NOT_FOUND'
  | 'INVALID_CREDENTIALS'
  | 'UNAUTHENTICATED'
  | 'INVALID_TOKEN'
  | 'FORBIDDEN'
  | 'CSRF_FAILED'
  | 'LOCKED'
  | 'RATE_LIMITED'
  | 'UNAVAILABLE';

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
