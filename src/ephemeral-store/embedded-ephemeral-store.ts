import { Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Repository } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.js';
import { type Statement, statements } from '../database/statements.js';
import type { EphemeralEntry } from './ephemeral-entry.entity.js';
import { checkEntry, EphemeralStore } from './ephemeral-store.js';

const T = '"ephemeral_entries"';

/**
 * One statement per operation, in SQL both SQLite (3.35+, for RETURNING) and PostgreSQL accept
 * (`statement()` runs them). Each is atomic on its own: SQLite has one writer, and
 * PostgreSQL's INSERT ... ON CONFLICT, UPDATE and DELETE lock the row they change, so of two racing
 * claims or takes exactly one gets a row back. An expired row counts as absent everywhere.
 */
const SQL = {
  // A claim over an expired row takes it over, as if the purge had already run.
  claim: `INSERT INTO ${T} ("key", "value", "counter", "expiresAt") VALUES (?, '', 0, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "counter" = 0, "expiresAt" = excluded."expiresAt" WHERE ${T}."expiresAt" <= ? RETURNING "key"`,
  put: `INSERT INTO ${T} ("key", "value", "counter", "expiresAt") VALUES (?, ?, 0, ?) ON CONFLICT ("key") DO UPDATE SET "value" = excluded."value", "counter" = 0, "expiresAt" = excluded."expiresAt"`,
  get: `SELECT "value" FROM ${T} WHERE "key" = ? AND "expiresAt" > ?`,
  take: `DELETE FROM ${T} WHERE "key" = ? AND "expiresAt" > ? RETURNING "value"`,
  increment: `UPDATE ${T} SET "counter" = "counter" + 1 WHERE "key" = ? AND "expiresAt" > ? RETURNING "counter"`,
  delete: `DELETE FROM ${T} WHERE "key" = ?`,
  purge: `DELETE FROM ${T} WHERE "expiresAt" <= ?`,
};

/** How often expired rows are deleted. */
const PURGE_INTERVAL_MS = 60_000;

/** The ephemeral store in the app's own database; expired rows are purged at start-up and on a timer. */
export class EmbeddedEphemeralStore extends EphemeralStore implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(EmbeddedEphemeralStore.name);
  private readonly sql: Record<keyof typeof SQL, Statement>;
  private readonly housekeeping = new Housekeeping(
    () => this.purgeExpired(),
    (message) => this.logger.warn(`Purge of expired ephemeral entries failed: ${message}`),
  );

  constructor(
    repository: Repository<EphemeralEntry>,
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

  async claim(key: string, ttlMs: number): Promise<boolean> {
    checkEntry(key, ttlMs);
    const now = Date.now();
    return (await this.sql.claim.rows([key, now + ttlMs, now])).length === 1;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    checkEntry(key, ttlMs);
    await this.sql.put.changes([key, value, Date.now() + ttlMs]);
  }

  async get(key: string): Promise<string | null> {
    checkEntry(key);
    const rows = await this.sql.get.rows<{ value: string }>([key, Date.now()]);
    return rows[0]?.value ?? null;
  }

  async take(key: string): Promise<string | null> {
    checkEntry(key);
    const rows = await this.sql.take.rows<{ value: string }>([key, Date.now()]);
    return rows[0]?.value ?? null;
  }

  async increment(key: string): Promise<number | null> {
    checkEntry(key);
    const rows = await this.sql.increment.rows<{ counter: number | string }>([key, Date.now()]);
    const row = rows[0];
    return row === undefined ? null : Number(row.counter);
  }

  async delete(key: string): Promise<void> {
    checkEntry(key);
    await this.sql.delete.changes([key]);
  }

  /** Deletes expired rows; returns how many. */
  purgeExpired(): Promise<number> {
    return this.sql.purge.changes([Date.now()]);
  }
}
