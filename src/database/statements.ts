import type { DataSource } from 'typeorm';

/** What is used of a better-sqlite3 statement (its types are not installed). */
interface SqliteStatement {
  /** Whether it returns rows (a SELECT, or a write with RETURNING). */
  readonly reader: boolean;
  /** Whether it leaves the database as it was. */
  readonly readonly: boolean;
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): { changes: number };
}

interface SqliteConnection {
  readonly inTransaction: boolean;
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
 * A statement of the embedded stores (blacklist, sessions, ephemeral entries, the guard's user
 * read), in SQL that both SQLite and PostgreSQL accept, written with `?` placeholders. The one
 * place that decides how they run:
 * - better-sqlite3: prepared once, on first use (after the migrations), on TypeORM's own
 *   connection, and run synchronously on the event loop's next turn, with the others queued in the
 *   same turn (`SqliteTurns`). TypeORM's query runner around a statement (query logging,
 *   subscriber broadcasts, several awaits) costs several times the statement itself, and some of
 *   these run on every guarded request (bench profiles).
 * - PostgreSQL: `?` numbered `$1…$n`, run on TypeORM's pool by a query runner with structured
 *   results, so RETURNING rows and changed counts read the same as on SQLite.
 */
export function statement(dataSource: DataSource, sql: string): Statement {
  const type = dataSource.options.type;
  if (type === 'better-sqlite3') {
    let prepared: SqliteStatement | undefined;
    const connection = (): SqliteConnection =>
      (dataSource.driver as unknown as { databaseConnection: SqliteConnection }).databaseConnection;
    const stmt = (): SqliteStatement => (prepared ??= connection().prepare(sql));
    const queue = <T>(exec: (s: SqliteStatement) => T): Promise<T> => {
      try {
        return SqliteTurns.of(connection()).run(stmt, exec);
      } catch (err) {
        // No connection (the DataSource was never opened, or is closed): a rejection, as any other failure.
        return Promise.reject(asError(err));
      }
    };
    return {
      rows: <R>(params: unknown[]) => queue((s) => (s.reader ? (s.all(...params) as R[]) : [])),
      changes: (params) => queue((s) => (s.reader ? s.all(...params).length : s.run(...params).changes)),
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

interface Queued {
  stmt(): SqliteStatement;
  exec(s: SqliteStatement): unknown;
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/**
 * Runs a connection's statements on the event loop's next turn (`setImmediate`), all those queued
 * meanwhile in one go, in the order they came, each settling its own promise (an exception, such
 * as a closed database or a busy timeout, becomes its rejection).
 * - Deferred, the requests that arrived together reach their statements together and answer
 *   together, as when one Redis reply wakes many; run at once, each request ran start to finish
 *   alone, at about twice the CPU per request under load (README, "Performance").
 * - Consecutive reads share one read transaction: outside a transaction, SQLite takes and drops
 *   the WAL read lock (fcntl calls) for every statement, which costs more than the lookup itself
 *   (bench/micro.ts). The reads of a turn see one snapshot, as they would a moment apart. A write
 *   ends that transaction first and runs alone, autocommitted, as before; nothing is batched while
 *   TypeORM holds a transaction open on the connection (its statements would join ours).
 */
class SqliteTurns {
  private static readonly byConnection = new WeakMap<SqliteConnection, SqliteTurns>();
  private queue: Queued[] = [];
  private readonly begin: () => SqliteStatement;
  private readonly commit: () => SqliteStatement;

  private constructor(private readonly connection: SqliteConnection) {
    let begin: SqliteStatement | undefined;
    let commit: SqliteStatement | undefined;
    this.begin = () => (begin ??= connection.prepare('BEGIN'));
    this.commit = () => (commit ??= connection.prepare('COMMIT'));
  }

  static of(connection: SqliteConnection): SqliteTurns {
    let turns = SqliteTurns.byConnection.get(connection);
    if (!turns) SqliteTurns.byConnection.set(connection, (turns = new SqliteTurns(connection)));
    return turns;
  }

  run<T>(stmt: () => SqliteStatement, exec: (s: SqliteStatement) => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.push({ stmt, exec, resolve, reject }) === 1) setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    const batch = this.queue;
    this.queue = [];
    const prepared = batch.map((item) => {
      try {
        return item.stmt();
      } catch (err) {
        item.reject(asError(err));
        return undefined;
      }
    });
    let reading = false;
    batch.forEach((item, i) => {
      const s = prepared[i];
      if (!s) return;
      try {
        if (!s.readonly && reading) {
          this.end();
          reading = false;
        }
        // A read transaction only pays for itself over two reads or more.
        if (s.readonly && !reading && prepared[i + 1]?.readonly && !this.connection.inTransaction) {
          this.begin().run();
          reading = true;
        }
        item.resolve(item.exec(s));
      } catch (err) {
        item.reject(asError(err));
      }
    });
    if (reading) this.end();
  }

  /** Ends the read transaction; a failed COMMIT of reads loses nothing. */
  private end(): void {
    try {
      this.commit().run();
    } catch {
      // Nothing was written; the next BEGIN fails on its own if the connection is still in one.
    }
  }
}

const asError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));
