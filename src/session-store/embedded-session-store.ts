import { Logger } from '@nestjs/common';
import { type SessionData, Store } from 'express-session';
import type { DataSource } from 'typeorm';
import { Housekeeping } from '../database/housekeeping.js';
import { type Statement, statements } from '../database/statements.js';
import { wasLoaded } from './loaded-session.js';
import { cookieExpiry } from './session-expiry.js';

type Callback<T = void> = (err: unknown, value?: T) => void;

/** How often expired rows are deleted. `get` never returns them meanwhile; this only frees space. */
const PURGE_INTERVAL_MS = 60_000;

/**
 * The session store of an install without Redis: the `http_sessions` table, so sessions survive
 * a restart on SQLite and are shared by every instance on PostgreSQL.
 *
 * Each operation is one SQL statement. `get` runs on every request that carries a session cookie:
 * a repository call costs about 100 µs there on better-sqlite3, `dataSource.query` about 13 µs,
 * and a statement prepared once on the driver about 8 µs, which is what `statement()` runs.
 *
 * It has no `touch`: the AuthSession module slides the idle timeout itself, by saving the session
 * at most once per a tenth of the idle timeout, which reaches the store through `set`.
 *
 * The store lives as long as its DataSource (one app), and must be created after the migrations ran.
 */
export class EmbeddedSessionStore extends Store {
  private readonly logger = new Logger(EmbeddedSessionStore.name);
  private readonly sql: Record<keyof typeof SQL, Statement>;
  private readonly housekeeping = new Housekeeping(
    () => this.purgeExpired(),
    (message) => this.logger.warn(`Purging expired sessions failed: ${message}`),
  );

  /** @param defaultTtlSeconds the lifetime of a session whose cookie has no `expires` (a browser-session cookie). */
  constructor(
    dataSource: DataSource,
    private readonly defaultTtlSeconds: number,
  ) {
    super();
    this.sql = statements(dataSource, SQL);
  }

  /** Missing, or past its expiry even if the purge has not run yet: `null` either way. */
  override get(sid: string, cb: Callback<SessionData | null>): void {
    settle(this.find(sid), cb);
  }

  /** A session loaded earlier is only updated: one deleted meanwhile stays deleted. */
  override set(sid: string, session: SessionData, cb?: Callback): void {
    settle(this.save(sid, session), cb);
  }

  override destroy(sid: string, cb?: Callback): void {
    settle(this.write('destroy', [sid]), cb);
  }

  /** Deletes every expired row. */
  purgeExpired(): Promise<void> {
    return this.write('purge', [Date.now()]);
  }

  /** Purges now, then every minute on a timer that does not keep the process alive. */
  async startPurging(): Promise<void> {
    await this.purgeExpired();
    this.housekeeping.start(PURGE_INTERVAL_MS);
  }

  /** Stops the timer and waits for a purge in flight. */
  stopPurging(): Promise<void> {
    return this.housekeeping.stop();
  }

  private async find(sid: string): Promise<SessionData | null> {
    const data = (await this.sql.read.rows<{ data: string }>([sid, Date.now()]))[0]?.data;
    return data === undefined ? null : (JSON.parse(data) as SessionData);
  }

  private save(sid: string, session: SessionData): Promise<void> {
    const expiresAt = cookieExpiry(session) ?? Date.now() + this.defaultTtlSeconds * 1000;
    // A session already past its expiry is as good as ended (connect-redis does the same).
    if (expiresAt <= Date.now()) return this.write('destroy', [sid]);
    const data = JSON.stringify(session);
    return wasLoaded(session)
      ? this.write('update', [data, expiresAt, sid])
      : this.write('upsert', [sid, data, expiresAt]);
  }

  private async write(name: Write, params: unknown[]): Promise<void> {
    await this.sql[name].changes(params);
  }
}

/**
 * Settles a store callback from a promise. The callback runs outside any try block, so an exception
 * thrown by the caller itself is never reported back to it as a store error.
 */
function settle<T>(work: Promise<T>, cb: Callback<T> | undefined): void {
  work.then(
    (value) => cb?.(null, value),
    (err: unknown) => cb?.(err),
  );
}

type Write = 'upsert' | 'update' | 'destroy' | 'purge';

/** The statements, in SQL both databases accept (`?` placeholders), run by `statements()`. */
const SQL: { read: string } & Record<Write, string> = {
  read: `SELECT "data" FROM "http_sessions" WHERE "sid" = ? AND "expiresAt" > ?`,
  upsert:
    `INSERT INTO "http_sessions" ("sid", "data", "expiresAt") VALUES (?, ?, ?) ` +
    `ON CONFLICT ("sid") DO UPDATE SET "data" = excluded."data", "expiresAt" = excluded."expiresAt"`,
  update: `UPDATE "http_sessions" SET "data" = ?, "expiresAt" = ? WHERE "sid" = ?`,
  destroy: `DELETE FROM "http_sessions" WHERE "sid" = ?`,
  purge: `DELETE FROM "http_sessions" WHERE "expiresAt" <= ?`,
};
