import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type DataSourceOptions, type Logger } from 'typeorm';
import { dataSourceOptions } from '../database/data-source-options.js';
import { EmbeddedTokenBlacklist } from './embedded-token-blacklist.js';
import { type ContractStore, describeTokenBlacklistContract } from './token-blacklist.contract.js';
import { TokenRevocation } from './token-revocation.entity.js';

/** Counts every SQL statement TypeORM hands to the driver. */
class QueryCounter implements Logger {
  count = 0;
  logQuery(): void {
    this.count++;
  }
  logQueryError(): void {}
  logQuerySlow(): void {}
  logSchemaBuild(): void {}
  logMigration(): void {}
  log(): void {}
}

async function connect(options: DataSourceOptions, logger: Logger = new QueryCounter()): Promise<DataSource> {
  return new DataSource({ ...options, logger }).initialize();
}

function sqliteOptions(file: string): DataSourceOptions {
  return dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file });
}

async function openStore(options: DataSourceOptions, cleanup: () => Promise<void>): Promise<ContractStore> {
  const counter = new QueryCounter();
  // On better-sqlite3 the hot statements run on the driver itself (database/statements.ts), past
  // TypeORM's logger: the driver's own `verbose` hook sees every statement it runs.
  const ds =
    options.type === 'better-sqlite3'
      ? await connect({ ...options, verbose: () => counter.logQuery() }, new QueryCounter())
      : await connect(options, counter);
  const others: DataSource[] = [];
  return {
    blacklist: new EmbeddedTokenBlacklist(ds.getRepository(TokenRevocation)),
    roundTrips: () => counter.count,
    holds: async (kind, key) => (await ds.getRepository(TokenRevocation).countBy({ kind, key })) > 0,
    purgeDeletes: true,
    reopen: async () => {
      const other = await connect(options);
      others.push(other);
      return new EmbeddedTokenBlacklist(other.getRepository(TokenRevocation));
    },
    close: async () => {
      for (const other of others) await other.destroy();
      await ds.destroy();
      await cleanup();
    },
  };
}

describeTokenBlacklistContract('embedded, SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'token-blacklist-'));
  return openStore(sqliteOptions(join(dir, 'auth.sqlite')), () => {
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  });
});

/**
 * PostgreSQL runs only when TEST_POSTGRES_URL names a server the test may create a database on:
 * each run gets its own, dropped afterwards.
 */
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (postgresUrl) {
  describeTokenBlacklistContract('embedded, PostgreSQL', async () => {
    const admin = await connect({ type: 'postgres', url: postgresUrl });
    const name = `token_blacklist_${randomUUID().replace(/-/g, '')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    return openStore(dataSourceOptions({ kind: 'postgres', url: url.toString() }), async () => {
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await admin.destroy();
    });
  });
}

describe('EmbeddedTokenBlacklist on SQLite', () => {
  let dir: string;
  let file: string;
  let ds: DataSource;
  const expired = async (key: string): Promise<void> => {
    await ds.getRepository(TokenRevocation).insert({ kind: 'jti', key, cutoffMs: null, expiresAt: Date.now() - 1 });
  };
  const holds = async (key: string): Promise<boolean> =>
    (await ds.getRepository(TokenRevocation).countBy({ kind: 'jti', key })) > 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'token-blacklist-'));
    file = join(dir, 'auth.sqlite');
    ds = await connect(sqliteOptions(file));
  });
  afterAll(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates exactly the schema its entity describes (no pending change after migrations)', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    const mine = pending.upQueries.filter((q) => q.query.includes('token_revocations'));
    expect(mine).toEqual([]);
  });

  it('purges at start-up and on its timer, and stops the timer on module destroy', async () => {
    const atStart = randomUUID();
    await expired(atStart);
    const bl = new EmbeddedTokenBlacklist(ds.getRepository(TokenRevocation), 50);
    await bl.onModuleInit();
    try {
      await expect(holds(atStart)).resolves.toBe(false);
      const byTimer = randomUUID();
      await expired(byTimer);
      // The timer runs every 50 ms; a loaded machine may hold it back, so wait up to 5 s for it.
      for (let i = 0; i < 250 && (await holds(byTimer)); i++) await sleep(20);
      await expect(holds(byTimer)).resolves.toBe(false);
    } finally {
      await bl.onModuleDestroy();
    }
    const afterDestroy = randomUUID();
    await expired(afterDestroy);
    await sleep(200);
    await expect(holds(afterDestroy)).resolves.toBe(true);
  });

  it('reads cut-offs at full precision (Number.MAX_SAFE_INTEGER survives the round trip)', async () => {
    const bl = new EmbeddedTokenBlacklist(ds.getRepository(TokenRevocation));
    const sub = randomUUID();
    await bl.setUserCutoff(sub, Number.MAX_SAFE_INTEGER, new Date(Date.now() + 60_000));
    const row = await ds.getRepository(TokenRevocation).findOneByOrFail({ kind: 'user', key: sub });
    expect(row.cutoffMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(typeof row.expiresAt).toBe('number');
  });

  it('refuses a token whose issue instant is not a number, without asking the store', async () => {
    const bl = new EmbeddedTokenBlacklist(ds.getRepository(TokenRevocation));
    await expect(
      bl.isRevoked({ jti: randomUUID(), sid: randomUUID(), sub: randomUUID(), issuedAtMs: Number.NaN }),
    ).resolves.toBe(true);
  });
});
