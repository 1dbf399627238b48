import { DataSource, type DataSourceOptions } from 'typeorm';
import type { databaseOptionsFromEnv } from '../config/config.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

type DatabaseConfig = ReturnType<typeof databaseOptionsFromEnv>;

/** The one source of database options, used by the app (`DatabaseModule`) and the CLI (`ormconfig.ts`). */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = { entities, migrations, migrationsRun: true, synchronize: false, logging: false } as const;
  if (db.kind === 'postgres') {
    return {
      ...common,
      type: 'postgres',
      url: db.url,
      // TypeORM qualifies its own statements (migrations, repositories) with `schema`; the raw
      // queries of the stores are unqualified and resolve through each connection's search_path.
      ...(db.schema ? { schema: db.schema } : {}),
      extra: {
        max: 10,
        // A server that cannot be reached fails the request (a 503) instead of holding it until
        // the OS gives up on the connection; keep-alive notices a peer that vanished.
        connectionTimeoutMillis: 5000,
        keepAlive: true,
        ...(db.schema ? { options: `-c search_path=${db.schema}` } : {}),
      },
      // gen_random_uuid() is built into PostgreSQL 13+ (pg_catalog), so a uuid default resolves
      // from any schema and needs no extension: uuid-ossp's functions live in the schema it was
      // installed in, which another app schema does not search.
      uuidExtension: 'pgcrypto',
      installExtensions: false,
    };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.sqlitePath ?? ':memory:',
    // WAL lets readers proceed while a write commits; the busy timeout rides out short write locks.
    enableWAL: db.sqlitePath !== ':memory:',
    timeout: 5000,
    // NORMAL, SQLite's advice for WAL, syncs at checkpoints only: no corruption and nothing lost
    // when the process dies; a power loss or an OS crash may forget the last commits (README,
    // "Decisions"). better-sqlite3's build defaults WAL connections to it already; SQLite's own
    // default, FULL, would fsync at every commit on the event loop. Said here, not left to the build.
    prepareDatabase: (connection: { pragma(source: string): unknown }) => {
      connection.pragma('synchronous = NORMAL');
    },
  };
}

/**
 * Opens the app's data source and runs the pending migrations. On PostgreSQL several instances
 * may start at once on a database that needs migrating (a fresh deployment, a scale-up, a rolling
 * deploy of a new version): TypeORM takes no lock, so two would create the same table and one
 * would fail to start. Here they queue on an advisory lock, one per schema, and the ones that
 * come after find nothing left to do.
 */
export async function openDataSource(options: DataSourceOptions): Promise<DataSource> {
  const dataSource = new DataSource({ ...options, migrationsRun: false });
  await dataSource.initialize();
  if (!options.migrationsRun) return dataSource;
  const migrate = (): Promise<unknown> =>
    dataSource.runMigrations({ transaction: options.migrationsTransactionMode ?? 'all' });
  try {
    if (options.type !== 'postgres') {
      await migrate();
      return dataSource;
    }
    // A session-level lock, on a connection of its own held for the whole run.
    const lockHolder = dataSource.createQueryRunner('master');
    const key = `nest-dual-auth:migrations:${options.schema ?? ''}`;
    try {
      await lockHolder.query('SELECT pg_advisory_lock(hashtext($1))', [key]);
      await migrate();
    } finally {
      await lockHolder.query('SELECT pg_advisory_unlock(hashtext($1))', [key]).catch(() => undefined);
      await lockHolder.release();
    }
    return dataSource;
  } catch (err) {
    await dataSource.destroy();
    throw err;
  }
}
