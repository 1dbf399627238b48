import { randomUUID } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { CHANNELS, createClient } from 'redis';
import { DomainError } from '../common/errors.js';
import type { Redis } from '../redis/redis.module.js';
import { RedisTokenBlacklist } from './redis-token-blacklist.js';
import { describeTokenBlacklistContract } from './token-blacklist.contract.js';
import type { TokenBlacklist } from './token-blacklist.js';

const REDIS_URL = 'redis://127.0.0.1:6379';
/** The start event of node-redis' command TracingChannel, published as each command is sent. */
const COMMAND_STARTS = `tracing:${CHANNELS.TRACE_COMMAND}:start`;

async function connectedClient(url = REDIS_URL): Promise<Redis> {
  const client: Redis = createClient({ url, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Deletes every key of this run; SCAN, not KEYS, as on any shared Redis. */
async function deleteKeys(client: Redis, prefix: string): Promise<void> {
  for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 100 })) {
    if (keys.length > 0) await client.del(keys);
  }
}

describeTokenBlacklistContract('Redis', async () => {
  const prefix = `test:${randomUUID()}:`;
  const client = await connectedClient();
  // Counts the commands node-redis sends, through its diagnostics channel (no MONITOR, nothing
  // replaced). The count is process-wide: while a check runs, this file sends nothing else.
  let sent = 0;
  const count = (): void => {
    sent++;
  };
  subscribe(COMMAND_STARTS, count);
  const others: Redis[] = [];
  return {
    blacklist: new RedisTokenBlacklist(client, prefix),
    roundTrips: () => sent,
    holds: async (kind, key) => (await client.exists(`${prefix}bl:${kind}:${key}`)) === 1,
    purgeDeletes: false,
    reopen: async () => {
      const other = await connectedClient();
      others.push(other);
      return new RedisTokenBlacklist(other, prefix);
    },
    close: async () => {
      unsubscribe(COMMAND_STARTS, count);
      await deleteKeys(client, prefix);
      for (const other of others) other.destroy();
      client.destroy();
    },
  };
});

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
    () => bl.revokeToken(t.jti, until),
    () => bl.revokeSession(t.sid, until),
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
    const client: Redis = createClient({
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
    const client: Redis = createClient({
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
      await bl.revokeToken(t.jti, new Date(Date.now() + 60_000));
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
      await deleteKeys(cleaner, prefix);
      cleaner.destroy();
    }
  });
});

describe('RedisTokenBlacklist keys', () => {
  let client: Redis;
  const prefix = `test:${randomUUID()}:`;
  beforeAll(async () => {
    client = await connectedClient();
  });
  afterAll(async () => {
    await deleteKeys(client, prefix);
    client.destroy();
  });

  it('writes one key per entry under the prefix, expiring at the given instant', async () => {
    const bl = new RedisTokenBlacklist(client, prefix);
    const until = Date.now() + 60_000;
    await bl.revokeToken('j1', new Date(until));
    await bl.revokeSession('s1', new Date(until));
    await bl.setUserCutoff('u1', 1234, new Date(until));
    for (const key of ['bl:jti:j1', 'bl:sid:s1', 'bl:user:u1']) {
      expect(await client.sendCommand(['PEXPIRETIME', `${prefix}${key}`])).toBe(until);
    }
    expect(await client.get(`${prefix}bl:user:u1`)).toBe('1234');
    await bl.setUserCutoff('u1', Number.MAX_SAFE_INTEGER, new Date(until));
    expect(await client.get(`${prefix}bl:user:u1`)).toBe(String(Number.MAX_SAFE_INTEGER));
  });
});
