import type { DataSource } from 'typeorm';

/** What is used of a better-sqlite3 statement (its types are not installed). */
interface SqliteStatement {
  /** Whether it returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

interface SqliteConnection {
  prepare(sql: string): SqliteStatement;
}

/** One SQL statement of the app's own stores, run the same way on either database. */
export interface Statement {
  /** The rows it returns (a write's RETURNING included); none for a write without one. */
  rows<R = Record<string, unknown>>(params: unknown[]): Promise<R[]>;
  /** How many rows it changed (or returned, for a write with RETURNING). */
  changes(params: unknown[]): Promise<number>;
}

/**
 * A statement of the embedded stores (blacklist, sessions, ephemeral entries), in SQL that both
 * SQLite and PostgreSQL accept, written with `?` placeholders. The one place that decides how they
 * run:
 * - better-sqlite3: prepared once, on first use (after the migrations), on TypeORM's own
 *   connection, and run synchronously on the event loop's next turn (`attempt`). TypeORM's query
 *   runner around a statement (query logging, subscriber broadcasts, several awaits) costs several
 *   times the statement itself, and some of these run on every guarded request (bench profiles).
 * - PostgreSQL: `?` numbered `$1…$n`, run on TypeORM's pool by a query runner with structured
 *   results, so RETURNING rows and changed counts read the same as on SQLite.
 */
export function statement(dataSource: DataSource, sql: string): Statement {
  const type = dataSource.options.type;
  if (type === 'better-sqlite3') {
    let prepared: SqliteStatement | undefined;
    const stmt = (): SqliteStatement =>
      (prepared ??= (
        dataSource.driver as unknown as { databaseConnection: SqliteConnection }
      ).databaseConnection.prepare(sql));
    return {
      rows: <R>(params: unknown[]) =>
        attempt(() => {
          const s = stmt();
          return s.reader ? (s.all(...params) as R[]) : [];
        }),
      changes: (params) =>
        attempt(() => {
          const s = stmt();
          return s.reader ? s.all(...params).length : s.run(...params).changes;
        }),
    };
  }
  if (type !== 'postgres') throw new Error(`The embedded stores do not support the ${type} driver`);
  let n = 0;
  const numbered = sql.replace(/\?/g, () => `$${++n}`);
  const run = async (params: unknown[]): Promise<{ records: unknown[]; affected: number }> => {
    const runner = dataSource.createQueryRunner();
    try {
      const result = await runner.query(numbered, params, true);
      return { records: result.records ?? [], affected: result.affected ?? result.records?.length ?? 0 };
    } finally {
      await runner.release();
    }
  };
  return {
    rows: async <R>(params: unknown[]) => (await run(params)).records as R[],
    changes: async (params) => (await run(params)).affected,
  };
}

/** A store's statements by name, each as `statement()` runs it. */
export function statements<K extends string>(dataSource: DataSource, sql: Record<K, string>): Record<K, Statement> {
  return Object.fromEntries(
    Object.entries<string>(sql).map(([name, text]) => [name, statement(dataSource, text)]),
  ) as Record<K, Statement>;
}

/**
 * Runs a synchronous driver call on the event loop's next turn (`setImmediate`, first in first
 * out, so statements keep their order), turning its exception (a closed database, a busy timeout)
 * into a rejection. Deferred, the requests that arrived together reach their statements together
 * and answer together, as when one Redis reply wakes many; run at once, each request ran start to
 * finish alone, at about twice the CPU per request under load (README, "Performance").
 */
function attempt<T>(call: () => T): Promise<T> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(call());
      } catch (err) {
        reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  });
}
