import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { statements } from './statements.js';

/** A real SQLite file in WAL mode, with the driver's own log of every statement it runs. */
async function open(file: string, log: string[] = []): Promise<DataSource> {
  const ds = new DataSource({
    type: 'better-sqlite3',
    database: file,
    enableWAL: true,
    verbose: (sql: unknown) => log.push(String(sql)),
  });
  await ds.initialize();
  return ds;
}

const SQL = {
  get: 'SELECT "v" FROM "kv" WHERE "k" = ?',
  put: 'INSERT INTO "kv" ("k", "v") VALUES (?, ?) ON CONFLICT ("k") DO UPDATE SET "v" = excluded."v"',
  missing: 'SELECT 1 FROM "no_such_table"',
};

describe('statements on better-sqlite3', () => {
  let dir: string;
  let ds: DataSource;
  let other: DataSource;
  const log: string[] = [];
  let sql: ReturnType<typeof statements<keyof typeof SQL>>;
  /** What ran, by its first word (the driver logs each statement with its values filled in). */
  const ran = () => log.map((line) => line.split(' ', 1)[0]);
  const get = async (k: string) => (await sql.get.rows<{ v: string }>([k]))[0]?.v ?? null;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'statements-'));
    ds = await open(join(dir, 'db.sqlite'), log);
    await ds.query('CREATE TABLE "kv" ("k" TEXT PRIMARY KEY, "v" TEXT)');
    other = await open(join(dir, 'db.sqlite'));
    sql = statements(ds, SQL);
  });
  afterAll(async () => {
    await other.destroy();
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    log.length = 0;
  });

  it('runs the reads queued in one turn in one read transaction, and a lone read alone', async () => {
    await Promise.all(['a', 'b', 'c'].map(get));
    expect(ran()).toEqual(['BEGIN', 'SELECT', 'SELECT', 'SELECT', 'COMMIT']);

    log.length = 0;
    await get('a');
    expect(ran()).toEqual(['SELECT']);
  });

  it('keeps the order of reads and writes queued together: a write ends the reads before it and runs alone', async () => {
    const results = await Promise.all([
      get('order'),
      get('order'),
      sql.put.changes(['order', '1']),
      get('order'),
      get('order'),
    ]);
    expect(results).toEqual([null, null, 1, '1', '1']);
    expect(ran()).toEqual(['BEGIN', 'SELECT', 'SELECT', 'COMMIT', 'INSERT', 'BEGIN', 'SELECT', 'SELECT', 'COMMIT']);
  });

  it('ends its read transaction with the turn: the next turn sees what another connection wrote', async () => {
    await expect(Promise.all([get('other'), get('other')])).resolves.toEqual([null, null]);
    await other.query('INSERT INTO "kv" ("k", "v") VALUES (?, ?)', ['other', 'written elsewhere']);
    await expect(Promise.all([get('other'), get('other')])).resolves.toEqual([
      'written elsewhere',
      'written elsewhere',
    ]);
    // A read transaction left open would also keep this write waiting on the lock.
    await expect(other.query('DELETE FROM "kv" WHERE "k" = ?', ['other'])).resolves.toBeDefined();
  });

  it('joins, never nests, a transaction TypeORM holds open on the connection', async () => {
    const runner = ds.createQueryRunner();
    await runner.startTransaction();
    try {
      await runner.query('INSERT INTO "kv" ("k", "v") VALUES (?, ?)', ['uncommitted', 'x']);
      log.length = 0;
      // Same connection: the statements run inside TypeORM's transaction and see its write.
      await expect(Promise.all([get('uncommitted'), get('uncommitted')])).resolves.toEqual(['x', 'x']);
      expect(ran()).toEqual(['SELECT', 'SELECT']);
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
    await expect(get('uncommitted')).resolves.toBeNull();
  });

  it('rejects a failing statement alone; the others of its turn still answer', async () => {
    const [before, failed, after] = await Promise.allSettled([get('a'), sql.missing.rows([]), get('a')]);
    expect(before).toEqual({ status: 'fulfilled', value: null });
    expect(failed).toMatchObject({ status: 'rejected', reason: { message: expect.stringMatching(/no such table/) } });
    expect(after).toEqual({ status: 'fulfilled', value: null });
  });

  it('rejects, never throws, once the database is closed', async () => {
    const closing = await open(join(dir, 'closing.sqlite'));
    await closing.query('CREATE TABLE "kv" ("k" TEXT PRIMARY KEY, "v" TEXT)');
    const closed = statements(closing, SQL);
    await closing.destroy();
    await expect(closed.get.rows(['a'])).rejects.toBeInstanceOf(Error);
    await expect(closed.put.changes(['a', 'b'])).rejects.toBeInstanceOf(Error);
  });
});
