import 'reflect-metadata';
import { Global, Module } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { SessionData } from 'express-session';
import { randomUUID } from 'node:crypto';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient, type RedisClientType } from 'redis';
import { DataSource } from 'typeorm';
import { parseRedisUrl, redisConfig, sessionConfig } from '../config/config.js';
import { deleteKeys } from '../redis/keyspace.js';
import { createRedis, REDIS, type Redis } from '../redis/redis.module.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { RedisSessionStore } from './redis-session-store.js';
import { callbacks, newSession, newSid, sessionStoreContract, type StoreUnderTest } from './session-store.contract.js';
import { SessionStoreGateway } from './session-store.gateway.js';
import { SessionStoreModule } from './session-store.module.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** Every key of this run lives under this prefix, deleted afterwards. */
const runPrefix = `test:${randomUUID()}:`;

/** A client set up like the app's shared one: it fails at once while Redis is away, never queues. */
async function connectClient(url = REDIS_URL): Promise<RedisClientType> {
  const client: RedisClientType = createClient({
    url,
    disableOfflineQueue: true,
    socket: { connectTimeout: 1000, reconnectStrategy: () => 50 },
  });
  client.on('error', () => undefined); // expected while Redis is away; the commands report it
  await client.connect();
  return client;
}

const get = (store: RedisSessionStore, sid: string) => callbacks(store).get(sid);
const set = (store: RedisSessionStore, sid: string, value: SessionData) => callbacks(store).set(sid, value);
const destroy = (store: RedisSessionStore, sid: string) => callbacks(store).destroy(sid);

/** A client set up as the app sets up its own for this URL (one server or a cluster). */
async function appClient(url: string): Promise<Redis> {
  const client = createRedis(parseRedisUrl(url));
  const events = client as unknown as { on(e: string, f: () => void): void };
  events.on('error', () => undefined);
  events.on('node-error', () => undefined);
  await client.connect();
  return client;
}

function contractOn(name: string, url: string, replicas: number): void {
  sessionStoreContract(name, async (ttl): Promise<StoreUnderTest> => {
    const prefix = `${runPrefix}contract:sess:`;
    let client = await appClient(url);
    const open = (): RedisSessionStore => new RedisSessionStore(client, prefix, ttl, new ReplicaAck(client, replicas));
    const subject: StoreUnderTest = {
      store: open(),
      storedExpiry: async (sid) => {
        const at = await client.pExpireTime((subject.store as RedisSessionStore).key(sid));
        return at === -2 ? null : at; // -2: no such key; -1 (no expiry) fails every range check
      },
      restart: async () => {
        await client.close();
        client = await appClient(url);
        subject.store = open();
      },
      close: async () => {
        await deleteKeys(client, `${prefix}*`);
        await client.close();
      },
    };
    return subject;
  });
}

contractOn('Redis', REDIS_URL, 0);
// On the cluster every write also waits for its replica (the default there): the contract holds with it.
const clusterUrl = process.env.TEST_REDIS_CLUSTER_URL;
if (clusterUrl) contractOn('Redis Cluster', clusterUrl, 1);

describe('RedisSessionStore', () => {
  let client: RedisClientType;

  beforeAll(async () => {
    client = await connectClient();
  });
  afterAll(async () => {
    await deleteKeys(client, `${runPrefix}*`);
    await client.close();
  });

  it('keeps each session under the prefix, tagged by its id, with a TTL', async () => {
    const prefix = `${runPrefix}keys:sess:`;
    const store = new RedisSessionStore(client, prefix, 3600);
    const sid = newSid();
    await set(store, sid, newSession(60_000, { user: 'u-1' }));

    const keys: string[] = [];
    for await (const batch of client.scanIterator({ MATCH: `${runPrefix}keys:*`, COUNT: 500 })) keys.push(...batch);
    expect(keys).toEqual([`${prefix}{s:${sid}}`]);
    const ttl = await client.pTTL(`${prefix}{s:${sid}}`);
    expect(ttl).toBeGreaterThan(55_000);
    expect(ttl).toBeLessThanOrEqual(61_000);
  });

  it('is the store SessionStoreModule provides when Redis is configured, under `<REDIS_KEY_PREFIX>sess:`', async () => {
    const keyPrefix = `${runPrefix}module:`;
    @Global()
    @Module({
      providers: [
        { provide: REDIS, useValue: client },
        // Never used with Redis; the factory only needs something to inject.
        { provide: DataSource, useValue: null },
        { provide: redisConfig.KEY, useValue: { url: REDIS_URL, keyPrefix } },
        { provide: sessionConfig.KEY, useValue: { absoluteTimeout: 120 } },
        { provide: ReplicaAck, useValue: new ReplicaAck(null, 0) },
      ],
      exports: [REDIS, DataSource, redisConfig.KEY, sessionConfig.KEY, ReplicaAck],
    })
    class Deps {}
    const moduleRef = await Test.createTestingModule({ imports: [Deps, SessionStoreModule] }).compile();
    await moduleRef.init();
    const gateway = moduleRef.get(SessionStoreGateway);
    expect(gateway.store).toBeInstanceOf(RedisSessionStore);

    const sid = newSid();
    await set(gateway.store as RedisSessionStore, sid, newSession(null, { user: 'u-1' }));
    // The configured absolute timeout is the TTL of a session whose cookie has no expiry.
    const ttl = await client.pTTL(`${keyPrefix}sess:{s:${sid}}`);
    expect(ttl).toBeGreaterThan(115_000);
    expect(ttl).toBeLessThanOrEqual(120_000);
    await moduleRef.close();
  });

  describe('while Redis is away', () => {
    // A TCP relay to the real server, cut to make Redis unreachable for one client only.
    let relay: Server;
    const sockets = new Set<Socket>();
    let relayed: RedisClientType;

    beforeAll(async () => {
      relay = createServer((inbound) => {
        const outbound = tcpConnect(6379, '127.0.0.1');
        for (const s of [inbound, outbound]) {
          sockets.add(s);
          s.on('error', () => undefined);
          s.on('close', () => sockets.delete(s));
        }
        inbound.pipe(outbound).pipe(inbound);
      });
      await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
      const { port } = relay.address() as { port: number };
      relayed = await connectClient(`redis://127.0.0.1:${port}`);
    });
    afterAll(() => {
      relayed.destroy();
      relay.close();
      for (const s of sockets) s.destroy();
    });

    it('answers get, set and destroy with an error, never with "no session"', async () => {
      const store = new RedisSessionStore(relayed, `${runPrefix}down:sess:`, 3600);
      const sid = newSid();
      await set(store, sid, newSession(60_000, { user: 'u-1' }));
      expect(await get(store, sid)).toMatchObject({ user: 'u-1' });

      relay.close();
      for (const s of sockets) s.destroy();
      await sleep(100);

      await expect(get(store, sid)).rejects.toThrow();
      await expect(set(store, sid, newSession(60_000, { user: 'u-1' }))).rejects.toThrow();
      await expect(destroy(store, sid)).rejects.toThrow();
      await expect(new SessionStoreGateway(store).get(sid)).rejects.toThrow();
    });

    it('answers with an error once the client is closed', async () => {
      const closed = await connectClient();
      const store = new RedisSessionStore(closed, `${runPrefix}closed:sess:`, 3600);
      closed.destroy();
      await expect(get(store, newSid())).rejects.toThrow();
      await expect(set(store, newSid(), newSession(60_000))).rejects.toThrow();
    });
  });
});
