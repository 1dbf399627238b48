import type { DataSourceOptions } from 'typeorm';
import type { databaseOptionsFromEnv } from '../config/config.js';
import { entities } from './entities.js';
import { migrations } from './migrations/index.js';

type DatabaseConfig = ReturnType<typeof databaseOptionsFromEnv>;

/** The one source of database options, used by the app (`DatabaseModule`) and the CLI (`ormconfig.ts`). */
export function dataSourceOptions(db: DatabaseConfig): DataSourceOptions {
  const common = { entities, migrations, migrationsRun: true, synchronize: false, logging: false } as const;
  if (db.kind === 'postgres') {
    return { ...common, type: 'postgres', url: db.url, extra: { max: 10 } };
  }
  return {
    ...common,
    type: 'better-sqlite3',
    database: db.sqlitePath ?? ':memory:',
    // WAL lets readers proceed while a write commits; the busy timeout rides out short write locks.
    enableWAL: db.sqlitePath !== ':memory:',
    timeout: 5000,
  };
}
