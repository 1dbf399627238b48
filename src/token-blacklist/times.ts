/**
 * The latest expiry an entry is kept until: 9999-12-31T23:59:59.999Z, which every store holds
 * (a JavaScript Date, a `bigint` column, Redis' PXAT).
 */
export const MAX_EXPIRY_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

/**
 * An expiry as ms since epoch. One beyond any real date (an Invalid Date: a token's absurd `exp`
 * overflowed it; or past year 9999) is kept as long as the store can keep it: a revocation is
 * never forgotten early, and never a 500. Verification refuses such tokens anyway
 * (`AccessTokenVerifier`); this is the second line.
 */
export function expiryMs(date: Date): number {
  const ms = date.getTime();
  return Number.isNaN(ms) || ms > MAX_EXPIRY_MS ? MAX_EXPIRY_MS : ms;
}

/** A cut-off as whole ms: for whole-ms issue instants, `issuedAtMs <= cutoff` holds exactly when it holds for the floor. */
export function wholeCutoffMs(value: number): number {
  if (!Number.isFinite(value)) throw new TypeError('Invalid cut-off');
  return Math.floor(value);
}
