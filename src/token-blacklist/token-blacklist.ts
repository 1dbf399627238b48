/** What the blacklist needs to know about a verified access token, or a cookie session (no jti). */
export interface AccessTokenRef {
  /** Absent for a cookie session, which is checked by its sid and its user's cut-off only. */
  jti?: string;
  /** The session's id in the registry. */
  sid: string;
  sub: string;
  /** issue instant in ms since epoch (sub-second precision) */
  issuedAtMs: number;
}

/**
 * Revoked access tokens, sessions and per-user cut-offs. Every entry is kept only as long as a
 * token it refuses could still be accepted, so the store is bounded by the tokens alive, never by
 * history. Callers that accept `exp` with a clock tolerance must add that tolerance to the
 * expiries they pass here, or a revoked token would pass again during the tolerance window.
 */
export abstract class TokenBlacklist {
  /**
   * Refuse the access token with this jti until expiresAt (its own exp); after that the entry may
   * vanish. `userId` is the token's `sub`: in Redis every entry lives beside its user's cut-off
   * (one slot of a cluster), so that `isRevoked` stays one round trip.
   */
  abstract revokeToken(userId: string, jti: string, expiresAt: Date): Promise<void>;
  /** Refuse every credential carrying this sid (a session / refresh family) of this user until expiresAt. */
  abstract revokeSession(userId: string, sid: string, expiresAt: Date): Promise<void>;
  /**
   * Per-user cut-off: every token of the user issued at or before cutoffMs is refused; kept until
   * keepUntil. Never lowers an existing cut-off (max wins), e.g. a deleted user gets
   * Number.MAX_SAFE_INTEGER.
   */
  abstract setUserCutoff(userId: string, cutoffMs: number, keepUntil: Date): Promise<void>;
  /** true if the token is refused by any of: its jti (when it has one), its sid, its user's cut-off (issuedAtMs <= cutoff). Exactly ONE round trip to the store. */
  abstract isRevoked(token: AccessTokenRef): Promise<boolean>;
  /** Deletes entries whose expiry has passed; returns how many (for the embedded store; Redis uses TTLs and may return 0). */
  abstract purgeExpired(): Promise<number>;
}
