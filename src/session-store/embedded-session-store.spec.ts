import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { SessionData } from 'express-session';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { redisConfig, sessionConfig } from '../config/config.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { REDIS } from '../redis/redis.module.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { EmbeddedSessionStore } from './embedded-session-store.js';
import { callbacks, newSession, newSid, sessionStoreContract, type StoreUnderTest } from './session-store.contract.js';
import { SessionStoreGateway } from './session-store.gateway.js';
import { SessionStoreModule } from './session-store.module.js';

/** A real SQLite file in a temp folder, with the app's own options (migrations run). */
function openSqlite(file: string): Promise<DataSource> {
  return new DataSource(dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file })).initialize();
}

async function storedExpiry(ds: DataSource, sid: string): Promise<number | null> {
  const p = ds.options.type === 'postgres' ? '$1' : '?';
  const rows: { expiresAt: string | number }[] = await ds.query(
    `SELECT "expiresAt" FROM "http_sessions" WHERE "sid" = ${p}`,
    [sid],
  );
  return rows[0] ? Number(rows[0].expiresAt) : null;
}

function setUntilDone(store: EmbeddedSessionStore, sid: string, value: SessionData): Promise<void> {
  return callbacks(store).set(sid, value);
}

function getUntilDone(store: EmbeddedSessionStore, sid: string): Promise<unknown> {
  return callbacks(store).get(sid);
}

sessionStoreContract('embedded, SQLite', async (ttl): Promise<StoreUnderTest> => {
  const dir = mkdtempSync(join(tmpdir(), 'session-store-'));
  const file = join(dir, 'auth.sqlite');
  let ds = await openSqlite(file);
  const subject: StoreUnderTest = {
    store: new EmbeddedSessionStore(ds, ttl),
    storedExpiry: (sid) => storedExpiry(ds, sid),
    restart: async () => {
      await ds.destroy();
      ds = await openSqlite(file);
      subject.store = new EmbeddedSessionStore(ds, ttl);
    },
    close: async () => {
      await ds.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return subject;
});

/**
 * The PostgreSQL path runs only when given a server (`TEST_POSTGRES_URL`, a role allowed to
 * create databases): it works in a database of its own, dropped afterwards.
 */
const postgresUrl = process.env.TEST_POSTGRES_URL;
if (postgresUrl) {
  sessionStoreContract('embedded, PostgreSQL', async (ttl): Promise<StoreUnderTest> => {
    const dbName = `session_store_test_${newSid()
      .replace(/[^a-zA-Z0-9]/g, '')
      .slice(0, 16)
      .toLowerCase()}`;
    const admin = await new DataSource({ type: 'postgres', url: postgresUrl }).initialize();
    await admin.query(`CREATE DATABASE "${dbName}"`);
    const url = new URL(postgresUrl);
    url.pathname = `/${dbName}`;
    const open = () => new DataSource(dataSourceOptions({ kind: 'postgres', url: url.toString() })).initialize();
    let ds = await open();
    const subject: StoreUnderTest = {
      store: new EmbeddedSessionStore(ds, ttl),
      storedExpiry: (sid) => storedExpiry(ds, sid),
      restart: async () => {
        await ds.destroy();
        ds = await open();
        subject.store = new EmbeddedSessionStore(ds, ttl);
      },
      close: async () => {
        await ds.destroy();
        await admin.query(`DROP DATABASE "${dbName}"`);
        await admin.destroy();
      },
    };
    return subject;
  });
}

describe('EmbeddedSessionStore on SQLite', () => {
  let dir: string;
  let ds: DataSource;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'session-store-'));
    ds = await openSqlite(join(dir, 'auth.sqlite'));
  });
  afterEach(async () => {
    if (ds.isInitialized) await ds.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves an expired row in place until the purge, refusing it meanwhile', async () => {
    const store = new EmbeddedSessionStore(ds, 3600);
    const expiring = newSid();
    const live = newSid();
    await setUntilDone(store, expiring, newSession(200, { user: 'u-1' }));
    await setUntilDone(store, live, newSession(60_000, { user: 'u-2' }));
    await sleep(300);

    expect(await getUntilDone(store, expiring)).toBeNull();
    expect(await storedExpiry(ds, expiring)).not.toBeNull();

    await store.purgeExpired();
    expect(await storedExpiry(ds, expiring)).toBeNull();
    expect(await getUntilDone(store, live)).toMatchObject({ user: 'u-2' });
  });

  it('purges expired rows when it starts', async () => {
    const first = new EmbeddedSessionStore(ds, 3600);
    const sid = newSid();
    await setUntilDone(first, sid, newSession(100, { user: 'u-1' }));
    await sleep(200);

    const second = new EmbeddedSessionStore(ds, 3600);
    await second.startPurging();
    await second.stopPurging();
    expect(await storedExpiry(ds, sid)).toBeNull();
  });

  it('reports a database failure to the callback instead of a missing session', async () => {
    const store = new EmbeddedSessionStore(ds, 3600);
    await ds.destroy();
    await expect(getUntilDone(store, newSid())).rejects.toThrow();
    await expect(setUntilDone(store, newSid(), newSession(60_000))).rejects.toThrow();
  });

  it('is the store SessionStoreModule provides when Redis is not configured', async () => {
    @Global()
    @Module({
      providers: [
        { provide: REDIS, useValue: null },
        { provide: DataSource, useValue: ds },
        { provide: redisConfig.KEY, useValue: { url: undefined, keyPrefix: 'auth:' } },
        { provide: sessionConfig.KEY, useValue: { absoluteTimeout: 120 } },
        { provide: ReplicaAck, useValue: new ReplicaAck(null, 0) },
      ],
      exports: [REDIS, DataSource, redisConfig.KEY, sessionConfig.KEY, ReplicaAck],
    })
    class Deps {}
    const moduleRef = await Test.createTestingModule({ imports: [Deps, SessionStoreModule] }).compile();
    await moduleRef.init();
    const gateway = moduleRef.get(SessionStoreGateway);
    expect(gateway.store).toBeInstanceOf(EmbeddedSessionStore);

    // The configured absolute timeout is the default TTL.
    const sid = newSid();
    const before = Date.now();
    await setUntilDone(gateway.store as EmbeddedSessionStore, sid, newSession(null, { user: 'u-1' }));
    expect(await storedExpiry(ds, sid)).toBeGreaterThanOrEqual(before + 120_000);
    expect(await storedExpiry(ds, sid)).toBeLessThanOrEqual(Date.now() + 120_000);
    await moduleRef.close();
  });
});
