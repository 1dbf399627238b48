import 'reflect-metadata';
import { jest } from '@jest/globals';
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import { migrations } from '../../src/database/migrations/index.js';

/**
 * Guards entity/migration drift: after the app's migrations, TypeORM's schema builder must see
 * nothing to change for the entities. A column whose type, length, nullability, default or index
 * differs between an entity and its migration shows up here as a pending query.
 */

const sqliteOptions = (dir: string): DataSourceOptions => {
  const file = join(dir, 'auth.sqlite');
  return dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file });
};

async function pendingSchemaChanges(ds: DataSource): Promise<string[]> {
  const sql = await ds.driver.createSchemaBuilder().log();
  return sql.upQueries.map((q) => q.query);
}

/** The tables the app owns (not TypeORM's bookkeeping, not the driver's internals). */
async function appTables(ds: DataSource): Promise<string[]> {
  const rows: { name: string }[] =
    ds.options.type === 'postgres'
      ? await ds.query(`SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema()`)
      : await ds.query(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'`);
  return rows
    .map((r) => r.name)
    .filter((n) => n !== 'migrations' && n !== 'typeorm_metadata')
    .sort();
}

// Migrating up and down, and the CLI's own Node processes, outlast jest's default 5 s on a busy machine.
jest.setTimeout(60_000);

interface Backend {
  name: string;
  open(): Promise<{ options: DataSourceOptions; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: 'SQLite file',
    open() {
      const dir = mkdtempSync(join(tmpdir(), 'auth-schema-'));
      return Promise.resolve({
        options: sqliteOptions(dir),
        cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
      });
    },
  },
];

/** PostgreSQL when TEST_POSTGRES_URL names a server the test may create a database on (`.ci/run` sets it). */
const PG_URL = process.env.TEST_POSTGRES_URL;
if (PG_URL) {
  backends.push({
    name: 'PostgreSQL',
    async open() {
      const name = `schema_test_${randomUUID().replaceAll('-', '')}`;
      const admin = new DataSource({ type: 'postgres', url: PG_URL });
      await admin.initialize();
      await admin.query(`CREATE DATABASE "${name}"`);
      const url = new URL(PG_URL);
      url.pathname = `/${name}`;
      return {
        options: dataSourceOptions({ kind: 'postgres', url: url.toString() }),
        cleanup: async () => {
          try {
            await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
          } finally {
            await admin.destroy();
          }
        },
      };
    },
  });
}

describe.each(backends)('Schema on $name', (backend) => {
  let ds: DataSource;
  let opened: Awaited<ReturnType<Backend['open']>> | undefined;

  beforeAll(async () => {
    opened = await backend.open();
    // The app's own options: migrations run at initialisation, `synchronize` off.
    ds = new DataSource(opened.options);
    await ds.initialize();
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await opened?.cleanup();
  });

  it('runs every registered migration at start-up', async () => {
    expect(ds.options.synchronize).toBe(false);
    expect(await ds.showMigrations()).toBe(false);
    const applied: { name: string }[] = await ds.query(`SELECT name FROM migrations ORDER BY timestamp`);
    expect(applied.map((m) => m.name)).toEqual(ds.migrations.map((m) => m.name));
    expect(applied.length).toBe(migrations.length);
  });

  it('has a table for every entity', async () => {
    const tables = await appTables(ds);
    const missing = ds.entityMetadatas.map((m) => m.tableName).filter((t) => !tables.includes(t));
    expect(missing).toEqual([]);
  });

  it('leaves no pending schema change for the entities (no entity/migration drift)', async () => {
    const pending = await pendingSchemaChanges(ds);
    // The queries themselves are the most useful failure message: they name the table and column.
    expect(pending).toEqual([]);
  });

  it('reverts every migration down to an empty schema, and migrates up again without drift', async () => {
    for (let i = 0; i < migrations.length; i++) await ds.undoLastMigration({ transaction: 'each' });
    expect(await appTables(ds)).toEqual([]);
    expect(await ds.showMigrations()).toBe(true);
    await ds.runMigrations({ transaction: 'all' });
    expect(await pendingSchemaChanges(ds)).toEqual([]);
  });
});

describe('The TypeORM CLI (npm run migration:run / migration:revert)', () => {
  // `npm run migration:*` is `npm run build && typeorm migration:* -d dist/ormconfig.js`; `npm test`
  // has just built, so the CLI runs here on the built data source, as the script runs it.
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const ormconfig = join(root, 'dist', 'ormconfig.js');
  const cli = join(root, 'node_modules', 'typeorm', 'cli.js');
  let dir: string;
  let file: string;

  const typeorm = (command: string): { status: number | null; output: string } => {
    const run = spawnSync(process.execPath, [cli, command, '-d', ormconfig], {
      cwd: root,
      env: { PATH: process.env.PATH ?? '', DATABASE_URL: `sqlite:${file}` },
      encoding: 'utf8',
      timeout: 20_000,
    });
    return { status: run.status, output: `${run.stdout}${run.stderr}` };
  };
  /** Reads the file the CLI wrote, through a plain connection (no migrations, no entities). */
  async function inFile<T>(sql: string): Promise<T[]> {
    const ds = new DataSource({ type: 'better-sqlite3', database: file });
    await ds.initialize();
    try {
      return await ds.query<T[]>(sql);
    } finally {
      await ds.destroy();
    }
  }
  const tablesInFile = async (): Promise<string[]> =>
    (await inFile<{ name: string }>(`SELECT name FROM sqlite_master WHERE type = 'table'`)).map((r) => r.name);
  const appliedInFile = async (): Promise<string[]> =>
    (await inFile<{ name: string }>(`SELECT name FROM migrations ORDER BY timestamp`)).map((r) => r.name);

  beforeAll(() => {
    if (!existsSync(ormconfig)) throw new Error(`${ormconfig} is missing: run \`npm run build\` first (npm test does)`);
    dir = mkdtempSync(join(tmpdir(), 'auth-cli-'));
    file = join(dir, 'm.sqlite');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('migration:run applies every migration to the DATABASE_URL file', async () => {
    const run = typeorm('migration:run');
    expect({ status: run.status, output: run.status === 0 ? '' : run.output }).toEqual({ status: 0, output: '' });
    expect(await tablesInFile()).toContain('users');
    expect(await appliedInFile()).toEqual(migrations.map((m) => new m().name ?? m.name));
    // Run again: nothing left to do, nothing fails.
    const again = typeorm('migration:run');
    expect(again.status).toBe(0);
    expect(again.output).toMatch(/No migrations are pending/);
  });

  it('migration:revert reverts exactly one, the newest', async () => {
    const before = await appliedInFile();
    const run = typeorm('migration:revert');
    expect({ status: run.status, output: run.status === 0 ? '' : run.output }).toEqual({ status: 0, output: '' });
    expect(await appliedInFile()).toEqual(before.slice(0, -1));
    expect(run.output).toContain(`${before.at(-1)} has been reverted successfully`);
  });
});
