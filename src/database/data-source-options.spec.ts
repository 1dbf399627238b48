import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DataSource } from 'typeorm';
import { dataSourceOptions, openDataSource } from './data-source-options.js';

describe('the embedded database as the app opens it', () => {
  let dir: string;
  let ds: DataSource;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'data-source-'));
    const file = join(dir, 'auth.sqlite');
    ds = await openDataSource(dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file }));
  });

  afterAll(async () => {
    await ds?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes ahead (WAL) and syncs at checkpoints, not at every commit (synchronous = NORMAL)', async () => {
    expect(await ds.query('PRAGMA journal_mode')).toEqual([{ journal_mode: 'wal' }]);
    // 0 OFF, 1 NORMAL, 2 FULL (an fsync per commit), 3 EXTRA.
    expect(await ds.query('PRAGMA synchronous')).toEqual([{ synchronous: 1 }]);
    expect(await ds.query('PRAGMA foreign_keys')).toEqual([{ foreign_keys: 1 }]);
  });

  it('sets NORMAL itself, whatever the SQLite build defaults to', () => {
    // better-sqlite3's own build already defaults WAL connections to NORMAL; SQLite's does not
    // (FULL). The option must not depend on which binary opened the file.
    const options = dataSourceOptions({ kind: 'sqlite', url: 'sqlite::memory:', sqlitePath: ':memory:' });
    const prepare = (options as { prepareDatabase?: (db: Database.Database) => void }).prepareDatabase;
    const db = new Database(':memory:');
    try {
      db.pragma('synchronous = FULL');
      prepare!(db);
      expect(db.pragma('synchronous', { simple: true })).toBe(1);
    } finally {
      db.close();
    }
  });

  it('loses no commit when the process dies right after it, at that setting', async () => {
    await ds.query('CREATE TABLE "probe" ("k" TEXT PRIMARY KEY)');
    const [{ synchronous }] = await ds.query<[{ synchronous: number }]>('PRAGMA synchronous');
    // Another process commits on the same file with the app's setting and is killed at once
    // (SIGKILL: no close, no checkpoint); what it committed must be there.
    const child = spawnSync(
      process.execPath,
      [
        '-e',
        `const db = new (require('better-sqlite3'))(process.argv[1]);
         db.pragma('synchronous = ' + process.argv[2]);
         db.prepare('INSERT INTO "probe" ("k") VALUES (?)').run('committed');
         process.kill(process.pid, 'SIGKILL');`,
        join(dir, 'auth.sqlite'),
        String(synchronous),
      ],
      { encoding: 'utf8' },
    );
    expect(child.signal).toBe('SIGKILL');
    expect(await ds.query('SELECT "k" FROM "probe"')).toEqual([{ k: 'committed' }]);
  });
});
