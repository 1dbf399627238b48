import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHANNELS, createClient, type RedisClientType, type RedisClusterType } from 'redis';
import { DomainError } from '../common/errors.js';
import { parseRedisUrl } from '../config/config.js';
import { deleteKeys } from '../redis/keyspace.js';
import { createRedis, type Redis } from '../redis/redis.module.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { RedisTokenBlacklist } from './redis-token-blacklist.js';
import { describeTokenBlacklistContract } from './token-blacklist.contract.js';
import type { TokenBlacklist } from './token-blacklist.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** The test Redis Cluster (`.ci/run` starts it; jest.config.js sets the default). */
const CLUSTER_URL = process.env.TEST_REDIS_CLUSTER_URL;
/** The start event of node-redis' command TracingChannel, published as each command is sent. */
const COMMAND_STARTS = `tracing:${CHANNELS.TRACE_COMMAND}:start`;

async function connectedClient(url = REDIS_URL): Promise<RedisClientType> {
  const client: RedisClientType = createClient({ url, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** A client set up as the app sets up its own for this URL (one server or a cluster). */
async function appClient(url: string): Promise<Redis> {
  const client = createRedis(parseRedisUrl(url));
  (client as unknown as { on(e: string, f: () => void): void }).on('error', () => {});
  (client as unknown as { on(e: string, f: () => void): void }).on('node-error', () => {});
  await client.connect();
  return client;
}

function contractOn(name: string, url: string, replicas: number): void {
  describeTokenBlacklistContract(name, async () => {
    const prefix = `test:${randomUUID()}:`;
    const client = await appClient(url);
    const ack = new ReplicaAck(client, replicas);
    // Counts the commands node-redis sends, through its diagnostics channel (no MONITOR, nothing
    // replaced). The count is process-wide: while a check runs, this file sends nothing else.
    let sent = 0;
    const count = (): void => {
      sent++;
    };
    subscribe(COMMAND_STARTS, count);
    const others: Redis[] = [];
    const blacklist = new RedisTokenBlacklist(client, prefix, ack);
    return {
      blacklist,
      roundTrips: () => sent,
      holds: async (kind, key, userId) =>
        (await client.exists(blacklist.key(kind, userId, kind === 'user' ? undefined : key))) === 1,
      purgeDeletes: false,
      reopen: async () => {
        const other = await appClient(url);
        others.push(other);
        return new RedisTokenBlacklist(other, prefix, new ReplicaAck(other, replicas));
      },
      close: async () => {
        unsubscribe(COMMAND_STARTS, count);
        await deleteKeys(client, `${prefix}*`);
        for (const other of others) other.destroy();
        client.destroy();
      },
    };
  });
}

contractOn('Redis', REDIS_URL, 0);
// On the cluster every write also waits for its replica (the default there): the contract holds with it.
if (CLUSTER_URL) {
  contractOn('Redis Cluster', CLUSTER_URL, 1);

  describe('RedisTokenBlacklist keys on a cluster', () => {
    it("puts a user's jti, sid and cut-off entries in one slot, so the check is one command on one master", async () => {
      const client = await appClient(CLUSTER_URL);
      try {
        const bl = new RedisTokenBlacklist(client, 'auth:');
        const slot = (key: string): Promise<number> =>
          (client as RedisClusterType).sendCommand<number>(key, true, ['CLUSTER', 'KEYSLOT', key]);
        const users = [randomUUID(), randomUUID(), randomUUID(), randomUUID()];
        const slotsPerUser = await Promise.all(
          users.map(
            async (u) =>
              new Set(
                await Promise.all(
                  [bl.key('jti', u, randomUUID()), bl.key('sid', u, randomUUID()), bl.key('user', u)].map(slot),
                ),
              ),
          ),
        );
        for (const slots of slotsPerUser) expect(slots.size).toBe(1);
        // …and users spread over the slots (four users in one slot would be a broken tag).
        expect(new Set(slotsPerUser.map((s) => [...s][0])).size).toBeGreaterThan(1);
      } finally {
        client.destroy();
      }
    });
  });
}

/** A TCP hop in front of the real Redis that the test can take away, as a network failure would. */
class CuttableProxy {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  port = 0;

  async start(port = 0): Promise<void> {
    this.server = createServer((inbound) => {
      const outbound = tcpConnect(6379, '127.0.0.1');
      for (const s of [inbound, outbound]) {
        this.sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => this.sockets.delete(s));
      }
      inbound.pipe(outbound).pipe(inbound);
    });
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  async cut(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server!.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}

async function expectUnavailable(bl: TokenBlacklist): Promise<void> {
  const unavailable = { name: 'DomainError', code: 'UNAVAILABLE', message: 'Service unavailable' };
  const t = { jti: randomUUID(), sid: randomUUID(), sub: randomUUID(), issuedAtMs: Date.now() };
  const until = new Date(Date.now() + 60_000);
  for (const call of [
    () => bl.isRevoked(t),
    () => bl.revokeToken(t.sub, t.jti, until),
    () => bl.revokeSession(t.sub, t.sid, until),
    () => bl.setUserCutoff(t.sub, t.issuedAtMs, until),
    () => bl.purgeExpired(),
  ]) {
    const err = await call().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DomainError);
    expect(err).toMatchObject(unavailable);
  }
}

describe('RedisTokenBlacklist when Redis is unreachable', () => {
  it('rejects every call with UNAVAILABLE when it never connected (closed port)', async () => {
    const client: RedisClientType = createClient({
      url: 'redis://127.0.0.1:1',
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false },
    });
    client.on('error', () => {});
    await expect(client.connect()).rejects.toThrow();
    await expectUnavailable(new RedisTokenBlacklist(client, `test:${randomUUID()}:`));
  });

  it('rejects every call with UNAVAILABLE while the connection is lost, and recovers after', async () => {
    const prefix = `test:${randomUUID()}:`;
    const proxy = new CuttableProxy();
    await proxy.start();
    const client: RedisClientType = createClient({
      url: `redis://127.0.0.1:${proxy.port}`,
      // As the app's client: no queueing while offline, reconnect in the background.
      disableOfflineQueue: true,
      socket: { reconnectStrategy: () => 50 },
    });
    client.on('error', () => {});
    await client.connect();
    const bl = new RedisTokenBlacklist(client, prefix);
    const t = { jti: randomUUID(), sid: randomUUID(), sub: randomUUID(), issuedAtMs: Date.now() };
    try {
      await bl.revokeToken(t.sub, t.jti, new Date(Date.now() + 60_000));
      await expect(bl.isRevoked(t)).resolves.toBe(true);

      await proxy.cut();
      for (let i = 0; i < 100 && client.isReady; i++) await sleep(10);
      expect(client.isReady).toBe(false);
      await expectUnavailable(bl);

      await proxy.start(proxy.port);
      for (let i = 0; i < 200 && !client.isReady; i++) await sleep(10);
      await expect(bl.isRevoked(t)).resolves.toBe(true);
    } finally {
      client.destroy();
      await proxy.cut();
      const cleaner = await connectedClient();
      await deleteKeys(cleaner, `${prefix}*`);
      cleaner.destroy();
    }
  });
});

describe('RedisTokenBlacklist keys', () => {
  let client: RedisClientType;
  const prefix = `test:${randomUUID()}:`;
  beforeAll(async () => {
    client = await connectedClient();
  });
  afterAll(async () => {
    await deleteKeys(client, `${prefix}*`);
    client.destroy();
  });

  it('writes one key per entry under the prefix, tagged by its user, expiring at the given instant', async () => {
    const bl = new RedisTokenBlacklist(client, prefix);
    const until = Date.now() + 60_000;
    await bl.revokeToken('u1', 'j1', new Date(until));
    await bl.revokeSession('u1', 's1', new Date(until));
    await bl.setUserCutoff('u1', 1234, new Date(until));
    const keys = ['bl:jti:{u:u1}:j1', 'bl:sid:{u:u1}:s1', 'bl:user:{u:u1}'];
    for (const key of keys) {
      expect(await client.sendCommand(['PEXPIRETIME', `${prefix}${key}`])).toBe(until);
    }
    expect(await client.get(`${prefix}bl:user:{u:u1}`)).toBe('1234');
    await bl.setUserCutoff('u1', Number.MAX_SAFE_INTEGER, new Date(until));
    expect(await client.get(`${prefix}bl:user:{u:u1}`)).toBe(String(Number.MAX_SAFE_INTEGER));
  });
});
