/** An expiry as ms since epoch; an invalid Date is a programming error, not a domain state. */
export function expiryMs(date: Date): number {
  const ms = date.getTime();
  if (!Number.isFinite(ms)) throw new TypeError('Invalid expiry date');
  return ms;
}

/** A cut-off as whole ms: for whole-ms issue instants, `issuedAtMs <= cutoff` holds exactly when it holds for the floor. */
export function wholeCutoffMs(value: number): number {
  if (!Number.isFinite(value)) throw new TypeError('Invalid cut-off');
  return Math.floor(value);
}
