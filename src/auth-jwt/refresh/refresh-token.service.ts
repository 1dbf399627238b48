import { Injectable, Logger, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type DataSource, IsNull, Not, type ObjectLiteral, type QueryResult, type Repository } from 'typeorm';
import { Housekeeping } from '../../database/housekeeping.js';
import { insertRows } from '../../database/insert.js';
import { RefreshToken } from './refresh-token.entity.js';

export interface NewRefreshToken {
  userId: string;
  /** The session handle (`sid`) of the family. */
  familyId: string;
  /** The spent token this one replaces (the `parentId` a 'rotated' result carries). */
  parentId?: string | null;
  expiresAt: Date;
  /** The DPoP key thumbprint the family is bound to, if it is. */
  jkt?: string | null;
  /** Epoch ms of the sign-in that opened the family; a successor carries its parent's. */
  authTime: number;
}

/** What a refresh token says about itself, read without spending it. */
export interface RefreshTokenState {
  userId: string;
  familyId: string;
  jkt: string | null;
  expiresAt: Date;
  /** Unused, unrevoked, unexpired, and no token of its family revoked: a refresh could spend it now. */
  live: boolean;
}

export interface IssuedRefreshToken {
  /** The opaque token for the client; never stored, so it cannot be shown again. */
  token: string;
  id: string;
  expiresAt: Date;
}

export type RotateResult =
  /** The token was spent by this call: issue its successor with `issue({ ..., parentId })`. */
  | { outcome: 'rotated'; userId: string; familyId: string; parentId: string; authTime: number }
  /** A spent token came back: the whole family has just been revoked. */
  | { outcome: 'reused'; userId: string; familyId: string }
  | { outcome: 'invalid' };

/** 256 random bits (RFC 6749 §10.10 asks for at least 128), base64url without padding: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const PURGE_EVERY_MS = 10 * 60_000;
/** Rows are kept a day past expiry so a late replay of a spent token still reads as reuse, not as unknown. */
const PURGE_GRACE_MS = 24 * 60 * 60_000;
const INVALID: RotateResult = { outcome: 'invalid' };

/** A token of 256 random bits needs no salt or slow hash: SHA-256 cannot be inverted or guessed. */
function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface TokenRow {
  id: string;
  userId: string;
  familyId: string;
  usedAt: unknown;
  revokedAt: unknown;
  authTime: number | string | null;
  /** 1 when the token has not expired (computed in SQL, so no driver-specific date parsing). */
  live: number | string;
}

/**
 * The refresh-token repository of the JWT style: issue, rotate with reuse detection (OAuth 2.0
 * Security BCP, RFC 9700 §4.14.2), revoke, purge. The only code that touches `refresh_tokens`.
 *
 * Statements are raw SQL on TypeORM's query runner: one statement each, parameters converted by the
 * driver (`escapeQueryWithParameters`), the same text on SQLite and PostgreSQL.
 */
@Injectable()
export class RefreshTokenService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(RefreshTokenService.name);
  private readonly ds: DataSource;
  /** Schema-qualified and quoted, for FROM/UPDATE/DELETE. */
  private readonly table: string;
  /** The bare quoted name, to refer to the outer row from a correlated subquery. */
  private readonly self: string;
  private readonly housekeeping = new Housekeeping(
    async () => {
      const count = await this.purgeExpired();
      if (count > 0) this.logger.log({ count }, 'Purged expired refresh tokens');
    },
    (message) => this.logger.warn({ err: message }, 'Refresh token purge failed'),
  );

  constructor(@InjectRepository(RefreshToken) private readonly repo: Repository<RefreshToken>) {
    this.ds = repo.manager.connection;
    const driver = this.ds.driver;
    this.table = repo.metadata.tablePath
      .split('.')
      .map((part) => driver.escape(part))
      .join('.');
    this.self = driver.escape(repo.metadata.tableName);
  }

  async issue(input: NewRefreshToken): Promise<IssuedRefreshToken> {
    if (Number.isNaN(input.expiresAt.getTime())) throw new TypeError('expiresAt is not a valid date');
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    const id = randomUUID();
    await insertRows(this.repo, {
      id,
      tokenHash: hashToken(token),
      familyId: input.familyId,
      parentId: input.parentId ?? null,
      userId: input.userId,
      expiresAt: input.expiresAt,
      jkt: input.jkt ?? null,
      authTime: String(Math.floor(input.authTime)),
    });
    return { token, id, expiresAt: input.expiresAt };
  }

  /** The token's state, without spending it (the DPoP binding check before a refresh; introspection). */
  async peek(token: string, now = new Date()): Promise<RefreshTokenState | null> {
    if (typeof token !== 'string' || token.length !== 43 || !TOKEN_SHAPE.test(token)) return null;
    const row = await this.repo.findOne({
      where: { tokenHash: hashToken(token) },
      select: { userId: true, familyId: true, jkt: true, expiresAt: true, usedAt: true, revokedAt: true },
    });
    if (!row) return null;
    const usable = row.usedAt === null && row.revokedAt === null && row.expiresAt.getTime() > now.getTime();
    const live = usable && !(await this.repo.existsBy({ familyId: row.familyId, revokedAt: Not(IsNull()) }));
    return { userId: row.userId, familyId: row.familyId, jkt: row.jkt, expiresAt: row.expiresAt, live };
  }

  /**
   * Spends `token`. Of any number of racing calls with one token exactly one gets 'rotated': the
   * single conditional UPDATE is the arbiter (SQLite serialises writers; PostgreSQL re-checks the
   * WHERE on the locked row, so a second UPDATE sees `usedAt` set and changes nothing).
   */
  async rotate(token: string, now = new Date()): Promise<RotateResult> {
    // Checked before hashing or any I/O: garbage costs nothing and never reaches the database.
    if (typeof token !== 'string' || token.length !== 43 || !TOKEN_SHAPE.test(token)) return INVALID;
    const hash = hashToken(token);

    // The NOT EXISTS refuses a token of a family already revoked even if its own row escaped the
    // revocation: a child issued while a reuse was being revoked (revocation is always family-wide).
    const spent = await this.run(
      `UPDATE ${this.table} SET "usedAt" = :now
        WHERE "tokenHash" = :hash AND "usedAt" IS NULL AND "revokedAt" IS NULL AND "expiresAt" > :now
          AND NOT EXISTS (SELECT 1 FROM ${this.table} AS f
                           WHERE f."familyId" = ${this.self}."familyId" AND f."revokedAt" IS NOT NULL)`,
      { now, hash },
    );
    // `affected` is right on both drivers for a plain UPDATE (better-sqlite3 `changes`, pg
    // `rowCount`). Not with RETURNING: better-sqlite3 then takes its reader path and leaves it unset.
    const won = spent.affected === 1;

    const rows = (
      await this.run(
        `SELECT "id", "userId", "familyId", "usedAt", "revokedAt", "authTime",
                CASE WHEN "expiresAt" > :now THEN 1 ELSE 0 END AS "live"
           FROM ${this.table} WHERE "tokenHash" = :hash`,
        { now, hash },
      )
    ).records as TokenRow[];
    const row = rows[0];
    if (!row) return INVALID;
    if (won)
      return {
        outcome: 'rotated',
        userId: row.userId,
        familyId: row.familyId,
        parentId: row.id,
        authTime: Number(row.authTime ?? 0),
      };

    if (row.revokedAt != null) return INVALID;
    if (row.usedAt != null) {
      // Spent, but its rotation has not issued the next token yet: this call raced the one that
      // spent it (api.md: of two refreshes racing with one token exactly one succeeds), so it is
      // refused without ending the family the winner is about to continue.
      const childIssued =
        (await this.run(`SELECT 1 AS "x" FROM ${this.table} WHERE "parentId" = :id`, { id: row.id })).records.length >
        0;
      if (!childIssued) return INVALID;
      // A replay of a spent token: either the client or a thief holds a copy, and we cannot tell
      // which, so the family ends, its newest (unused) token included.
      await this.revokeFamily(row.familyId, now);
      return { outcome: 'reused', userId: row.userId, familyId: row.familyId };
    }
    // Unused and unrevoked yet not spendable: expired, or its family was revoked around it.
    if (Number(row.live) === 1) await this.revokeFamily(row.familyId, now);
    return INVALID;
  }

  async revokeFamily(familyId: string, now = new Date()): Promise<void> {
    await this.run(`UPDATE ${this.table} SET "revokedAt" = :now WHERE "familyId" = :familyId AND "revokedAt" IS NULL`, {
      now,
      familyId,
    });
  }

  /**
   * Deletes rows more than a day past expiry whose whole family is too. Spent rows stay while any
   * token of their family lives (expiry may slide with each rotation), so reuse is still detected.
   */
  async purgeExpired(now = new Date()): Promise<number> {
    const cutoff = new Date(now.getTime() - PURGE_GRACE_MS);
    const result = await this.run(
      `DELETE FROM ${this.table}
        WHERE "expiresAt" < :cutoff
          AND NOT EXISTS (SELECT 1 FROM ${this.table} AS f
                           WHERE f."familyId" = ${this.self}."familyId" AND f."expiresAt" >= :cutoff)`,
      { cutoff },
    );
    return result.affected ?? 0;
  }

  onApplicationBootstrap(): void {
    void this.housekeeping.run();
    this.housekeeping.start(PURGE_EVERY_MS);
  }

  onModuleDestroy(): Promise<void> {
    return this.housekeeping.stop();
  }

  private async run(sql: string, params: ObjectLiteral): Promise<QueryResult> {
    const [query, values] = this.ds.driver.escapeQueryWithParameters(sql, params);
    const runner = this.ds.createQueryRunner();
    try {
      return await runner.query(query, values, true);
    } finally {
      await runner.release();
    }
  }
}
