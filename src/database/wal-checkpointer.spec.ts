import type { ConfigType } from '@nestjs/config';
import Database from 'better-sqlite3';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';
import type { databaseConfig } from '../config/config.js';
import { dataSourceOptions, openDataSource } from './data-source-options.js';
import {
  BACKSTOP_PAGES,
  CHECKPOINT_EVERY_MS,
  SQLITE_AUTOCHECKPOINT_PAGES,
  WalCheckpointer,
} from './wal-checkpointer.js';

type DatabaseConfig = ConfigType<typeof databaseConfig>;

const ROWS = 200;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('WalCheckpointer', () => {
  let dir: string;
  let file: string;
  let ds: DataSource;

  const sqlite = (path: string): DatabaseConfig => ({ kind: 'sqlite', url: `sqlite:${path}`, sqlitePath: path });
  const threshold = async (): Promise<number> =>
    (await ds.query<[{ wal_autocheckpoint: number }]>('PRAGMA wal_autocheckpoint'))[0].wal_autocheckpoint;
  /** Rows of `probe` in the database file itself, the WAL left out: what checkpoints have copied there. */
  const checkpointedRows = (): number => {
    const copy = join(dir, `copy-${Math.random()}.sqlite`);
    copyFileSync(file, copy);
    const db = new Database(copy);
    try {
      return (db.prepare('SELECT count(*) AS n FROM "probe"').get() as { n: number }).n;
    } catch {
      return 0; // not there yet (or copied halfway through a checkpoint)
    } finally {
      db.close();
    }
  };
  /** ROWS commits of one small row each: far fewer pages than SQLite's own threshold. */
  const commit = async (): Promise<void> => {
    await ds.query('CREATE TABLE "probe" ("k" INTEGER PRIMARY KEY, "v" TEXT)');
    for (let i = 0; i < ROWS; i++) await ds.query('INSERT INTO "probe" ("v") VALUES (?)', [`row ${i}`]);
  };

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'wal-checkpointer-'));
    file = join(dir, 'auth.sqlite');
    ds = await openDataSource(dataSourceOptions(sqlite(file)));
  });

  afterEach(async () => {
    await ds?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('without it, commits stay in the log until SQLite’s own threshold (the control)', async () => {
    expect(await threshold()).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    await commit();
    await sleep(4 * CHECKPOINT_EVERY_MS);
    expect(checkpointedRows()).toBe(0);
  });

  it('copies the log into the database file from its own thread; the app connection keeps only a backstop', async () => {
    const checkpointer = new WalCheckpointer(ds, sqlite(file));
    await checkpointer.onModuleInit();
    try {
      expect(await threshold()).toBe(BACKSTOP_PAGES);
      await commit();
      let rows = 0;
      for (let waited = 0; waited < 10_000 && rows < ROWS; waited += 100) {
        await sleep(100);
        rows = checkpointedRows();
      }
      expect(rows).toBe(ROWS);
    } finally {
      await checkpointer.onModuleDestroy();
    }
    // Stopped: the app connection still works, and closes (its own last checkpoint) normally.
    expect(await ds.query('SELECT count(*) AS "n" FROM "probe"')).toEqual([{ n: ROWS }]);
  });

  it('leaves SQLite’s own threshold when the worker cannot open the file', async () => {
    const checkpointer = new WalCheckpointer(ds, sqlite(join(dir, 'missing', 'auth.sqlite')));
    await checkpointer.onModuleInit();
    await checkpointer.onModuleDestroy();
    expect(await threshold()).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
  });

  it('gives the app connection SQLite’s own threshold back when the worker dies', async () => {
    const checkpointer = new WalCheckpointer(ds, sqlite(file));
    await checkpointer.onModuleInit();
    expect(await threshold()).toBe(BACKSTOP_PAGES);
    await (checkpointer as unknown as { worker: Worker }).worker.terminate();
    for (let waited = 0; waited < 5000 && (await threshold()) !== SQLITE_AUTOCHECKPOINT_PAGES; waited += 50)
      await sleep(50);
    expect(await threshold()).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    await checkpointer.onModuleDestroy();
  });

  it('starts nothing for an in-memory database', async () => {
    const checkpointer = new WalCheckpointer(ds, sqlite(':memory:'));
    await checkpointer.onModuleInit();
    expect((checkpointer as unknown as { worker?: Worker }).worker).toBeUndefined();
    expect(await threshold()).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
  });
});
