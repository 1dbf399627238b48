import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from '../database/data-source-options.js';
import { EmbeddedEphemeralStore } from './embedded-ephemeral-store.js';
import { EphemeralEntry } from './ephemeral-entry.entity.js';
import { describeEphemeralStoreContract, type EphemeralContractStore } from './ephemeral-store.contract.js';

async function connect(options: DataSourceOptions): Promise<DataSource> {
  return new DataSource(options).initialize();
}

function sqliteOptions(file: string): DataSourceOptions {
  return dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file });
}

async function openStore(options: DataSourceOptions, cleanup: () => Promise<void>): Promise<EphemeralContractStore> {
  const ds = await connect(options);
  const others: DataSource[] = [];
  return {
    store: new EmbeddedEphemeralStore(ds.getRepository(EphemeralEntry)),
    reopen: async () => {
      const other = await connect(options);
      others.push(other);
      return new EmbeddedEphemeralStore(other.getRepository(EphemeralEntry));
    },
    close: async () => {
      for (const other of others) await other.destroy();
      await ds.destroy();
      await cleanup();
    },
  };
}

describeEphemeralStoreContract('embedded, SQLite file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ephemeral-'));
  return openStore(sqliteOptions(join(dir, 'auth.sqlite')), () => {
    rmSync(dir, { recursive: true, force: true });
    return Promise.resolve();
  });
});

/** PostgreSQL runs when TEST_POSTGRES_URL names a server the test may create a database on. */
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (postgresUrl) {
  describeEphemeralStoreContract('embedded, PostgreSQL', async () => {
    const admin = await connect({ type: 'postgres', url: postgresUrl });
    const name = `ephemeral_${randomUUID().replace(/-/g, '')}`;
    await admin.query(`CREATE DATABASE "${name}"`);
    const url = new URL(postgresUrl);
    url.pathname = `/${name}`;
    return openStore(dataSourceOptions({ kind: 'postgres', url: url.toString() }), async () => {
      await admin.query(`DROP DATABASE "${name}" WITH (FORCE)`);
      await admin.destroy();
    });
  });
}

describe('EmbeddedEphemeralStore on SQLite', () => {
  let dir: string;
  let ds: DataSource;
  const repo = () => ds.getRepository(EphemeralEntry);
  const expired = (key: string) => repo().insert({ key, value: '', counter: 0, expiresAt: Date.now() - 1 });
  const holds = async (key: string) => (await repo().countBy({ key })) > 0;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ephemeral-'));
    ds = await connect(sqliteOptions(join(dir, 'auth.sqlite')));
  });
  afterAll(async () => {
    await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates exactly the schema its entity describes (no pending change after migrations)', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.filter((q) => q.query.includes('ephemeral_entries'))).toEqual([]);
  });

  it('purges expired rows at start-up and on its timer, leaves live ones, and stops on destroy', async () => {
    const atStart = randomUUID();
    const live = randomUUID();
    await expired(atStart);
    const store = new EmbeddedEphemeralStore(repo(), 50);
    await store.put(live, 'v', 60_000);
    await store.onModuleInit();
    try {
      await expect(holds(atStart)).resolves.toBe(false);
      const byTimer = randomUUID();
      await expired(byTimer);
      // The timer runs every 50 ms; a loaded machine may hold it back, so wait up to 5 s for it.
      for (let i = 0; i < 250 && (await holds(byTimer)); i++) await sleep(20);
      await expect(holds(byTimer)).resolves.toBe(false);
      await expect(holds(live)).resolves.toBe(true);
    } finally {
      await store.onModuleDestroy();
    }
    const afterDestroy = randomUUID();
    await expired(afterDestroy);
    await sleep(200);
    await expect(holds(afterDestroy)).resolves.toBe(true);
  });

  it('rejects, never answers, once the database is gone', async () => {
    const file = join(dir, 'closed.sqlite');
    const closed = await connect(sqliteOptions(file));
    const store = new EmbeddedEphemeralStore(closed.getRepository(EphemeralEntry));
    await closed.destroy();
    await expect(store.claim('k', 1000)).rejects.toBeDefined();
    await expect(store.take('k')).rejects.toBeDefined();
    await expect(store.increment('k')).rejects.toBeDefined();
  });
});
