/**
 * A small shared store for short-lived, single-purpose entries: DPoP proof replay marks, single-use
 * challenges (WebAuthn), pending second-factor tokens with an attempt counter. Keys are namespaced
 * by the caller (e.g. `dpop:jti:<jti>`, `mfa:<token hash>`); at most 255 characters.
 *
 * Shared by every instance when Redis is configured, else in the app's database. Every method
 * fails closed: when the store cannot answer it rejects (an `UNAVAILABLE` domain error or a
 * database error, both a 503 at the edge), never resolves as if the entry were absent or claimed.
 * Expired entries are gone for every method, whether or not the store has deleted them yet.
 */
export abstract class EphemeralStore {
  /**
   * Set-if-absent: marks `key` for `ttlMs` and resolves true for the first caller only; false while
   * a live entry (claimed or put) holds the key. Racing claims: exactly one wins, on any instance.
   */
  abstract claim(key: string, ttlMs: number): Promise<boolean>;
  /** Stores `value` under `key` for `ttlMs`, replacing any entry (its counter restarts at 0). */
  abstract put(key: string, value: string, ttlMs: number): Promise<void>;
  /** The live value, or null. */
  abstract get(key: string): Promise<string | null>;
  /** Atomic get-and-delete: the live value for exactly one caller, null for every other. */
  abstract take(key: string): Promise<string | null>;
  /**
   * Adds one to the live entry's counter (0 after put/claim) and resolves the new count, without
   * changing its value or expiry; null when the key is absent or expired (nothing is created).
   */
  abstract increment(key: string): Promise<number | null>;
  /** Removes the entry, if any. */
  abstract delete(key: string): Promise<void>;
}

/** Keys and ttls come from code, not from clients: a bad one is a programming error. */
export function checkEntry(key: string, ttlMs?: number): void {
  if (key.length === 0 || key.length > 255) throw new TypeError('Ephemeral key must be 1-255 characters');
  if (ttlMs !== undefined && !(Number.isSafeInteger(ttlMs) && ttlMs > 0)) {
    throw new TypeError('Ephemeral ttl must be a positive whole number of ms');
  }
}
