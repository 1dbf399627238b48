import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { LessThanOrEqual, type Repository } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.js';
import { type Statement, statements } from '../database/statements.js';
import { type AccessTokenRef, TokenBlacklist } from './token-blacklist.js';
import { TokenRevocation } from './token-revocation.entity.js';
import { expiryMs, wholeCutoffMs } from './times.js';

const T = '"token_revocations"';

/**
 * Plain SQL both SQLite (3.24+) and PostgreSQL accept, each one statement (`statement()`: prepared
 * once on better-sqlite3, `?` numbered on PostgreSQL), where a QueryBuilder would cost tens of
 * microseconds on every guarded request.
 */
const SQL = {
  // One statement covers the three keys, each an equality lookup on the primary key. (A single
  // WHERE with OR plans the same, but SQLite re-plans it on every call once ANALYZE statistics
  // exist, about ten times slower.) Rows past their expiry count as gone even before the purge.
  isRevoked:
    [
      `SELECT 1 AS "hit" FROM ${T} WHERE "kind" = 'jti' AND "key" = ? AND "expiresAt" > ?`,
      `SELECT 1 FROM ${T} WHERE "kind" = 'sid' AND "key" = ? AND "expiresAt" > ?`,
      `SELECT 1 FROM ${T} WHERE "kind" = 'user' AND "key" = ? AND "expiresAt" > ? AND "cutoffMs" >= ?`,
    ].join(' UNION ALL ') + ' LIMIT 1',
  // A second revoke of the same key keeps the later expiry.
  revoke: `INSERT INTO ${T} ("kind", "key", "cutoffMs", "expiresAt") VALUES (?, ?, NULL, ?) ON CONFLICT ("kind", "key") DO UPDATE SET "expiresAt" = excluded."expiresAt" WHERE excluded."expiresAt" > ${T}."expiresAt"`,
  // The cut-off and its expiry only ever rise, unless the stored row has already expired (it is
  // logically gone then, as a Redis key would be).
  cutoff: `INSERT INTO ${T} ("kind", "key", "cutoffMs", "expiresAt") VALUES ('user', ?, ?, ?) ON CONFLICT ("kind", "key") DO UPDATE SET "cutoffMs" = CASE WHEN ${T}."expiresAt" <= ? OR excluded."cutoffMs" > ${T}."cutoffMs" THEN excluded."cutoffMs" ELSE ${T}."cutoffMs" END, "expiresAt" = CASE WHEN ${T}."expiresAt" <= ? OR excluded."expiresAt" > ${T}."expiresAt" THEN excluded."expiresAt" ELSE ${T}."expiresAt" END`,
};

/** How often expired rows are deleted. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * The blacklist in the app's own database (SQLite or PostgreSQL), so a restart forgets nothing.
 * Rows are deleted once expired, at start-up and on a timer, so the table holds live entries only.
 */
export class EmbeddedTokenBlacklist extends TokenBlacklist implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EmbeddedTokenBlacklist.name);
  private readonly sql: Record<keyof typeof SQL, Statement>;
  private readonly housekeeping = new Housekeeping(
    () => this.purgeExpired(),
    (message) => this.logger.warn(`Purge of expired token revocations failed: ${message}`),
  );

  constructor(
    private readonly repository: Repository<TokenRevocation>,
    private readonly purgeIntervalMs = PURGE_INTERVAL_MS,
  ) {
    super();
    this.sql = statements(repository.manager.dataSource, SQL);
  }

  async onModuleInit(): Promise<void> {
    await this.purgeExpired();
    this.housekeeping.start(this.purgeIntervalMs);
  }

  onModuleDestroy(): Promise<void> {
    return this.housekeeping.stop();
  }

  // The table is keyed by the entry alone: one database has no slots to keep a user's entries together.
  async revokeToken(_userId: string, jti: string, expiresAt: Date): Promise<void> {
    await this.revoke('jti', jti, expiresAt);
  }

  async revokeSession(_userId: string, sid: string, expiresAt: Date): Promise<void> {
    await this.revoke('sid', sid, expiresAt);
  }

  async setUserCutoff(userId: string, cutoffMs: number, keepUntil: Date): Promise<void> {
    const cutoff = wholeCutoffMs(cutoffMs);
    const until = expiryMs(keepUntil);
    const now = Date.now();
    // Nothing issued at or before the cut-off can still be alive after keepUntil.
    if (until <= now) return;
    await this.sql.cutoff.changes([userId, cutoff, until, now, now]);
  }

  async isRevoked(token: AccessTokenRef): Promise<boolean> {
    // Whole ms: for a whole-ms cut-off, `issuedAtMs <= cutoff` exactly when `ceil(issuedAtMs) <= cutoff`.
    const issuedAtMs = Math.ceil(token.issuedAtMs);
    // A NaN would match no cut-off: fail closed rather than let a malformed token through.
    if (!Number.isFinite(issuedAtMs)) return true;
    const now = Date.now();
    const rows = await this.sql.isRevoked.rows([
      // NULL equals nothing: a cookie session has no jti to look up.
      token.jti ?? null,
      now,
      token.sid,
      now,
      token.sub,
      now,
      issuedAtMs,
    ]);
    return rows.length > 0;
  }

  async purgeExpired(): Promise<number> {
    const result = await this.repository.delete({ expiresAt: LessThanOrEqual(Date.now()) });
    return result.affected ?? 0;
  }

  private async revoke(kind: 'jti' | 'sid', key: string, expiresAt: Date): Promise<void> {
    const until = expiryMs(expiresAt);
    // A token already past its expiry is refused anyway.
    if (until <= Date.now()) return;
    await this.sql.revoke.changes([kind, key, until]);
  }
}
