import { randomUUID } from 'node:crypto';
import { createClient } from 'redis';
import { DomainError } from '../common/errors.js';
import type { Redis } from '../redis/redis.module.js';
import { deleteKeys, scanKeys } from '../redis/keyspace.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { describeEphemeralStoreContract } from './ephemeral-store.contract.js';
import { RedisEphemeralStore } from './redis-ephemeral-store.js';

const REDIS_URL = 'redis://127.0.0.1:6379';

async function connectedClient(): Promise<Redis> {
  const client: Redis = createClient({ url: REDIS_URL, disableOfflineQueue: true });
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Deletes every key of this run; SCAN, not KEYS, as on any shared Redis. */
async function deleteRunKeys(client: Redis, prefix: string): Promise<void> {
  await deleteKeys(client, `${prefix}*`);
}

describeEphemeralStoreContract('Redis', async () => {
  const prefix = `test:${randomUUID()}:`;
  const client = await connectedClient();
  const others: Redis[] = [];
  return {
    store: new RedisEphemeralStore(client, prefix),
    reopen: async () => {
      const other = await connectedClient();
      others.push(other);
      return new RedisEphemeralStore(other, prefix);
    },
    close: async () => {
      await deleteRunKeys(client, prefix);
      for (const other of others) other.destroy();
      client.destroy();
    },
  };
});

describe('RedisEphemeralStore', () => {
  it('rejects every call with UNAVAILABLE when Redis cannot answer, never "absent" or "claimed"', async () => {
    const client: Redis = createClient({
      url: 'redis://127.0.0.1:1',
      disableOfflineQueue: true,
      socket: { reconnectStrategy: false },
    });
    client.on('error', () => {});
    await expect(client.connect()).rejects.toThrow();
    const store = new RedisEphemeralStore(client, `test:${randomUUID()}:`);
    for (const call of [
      () => store.claim('k', 1000),
      () => store.put('k', 'v', 1000),
      () => store.get('k'),
      () => store.take('k'),
      () => store.increment('k'),
      () => store.delete('k'),
    ]) {
      const err = await call().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DomainError);
      expect(err).toMatchObject({ code: 'UNAVAILABLE' });
    }
  });

  it('refuses (503) a write its replicas did not take in time, never reporting it done', async () => {
    const client = await connectedClient();
    const prefix = `test:${randomUUID()}:`;
    try {
      // The test Redis has no replica: a store asking for one gets no acknowledgement.
      const store = new RedisEphemeralStore(client, prefix, new ReplicaAck(client, 1, 50));
      await expect(store.claim('dpop:jti:x', 60_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await expect(store.put('mfa:y', 'v', 60_000)).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      // Asking for none, the same writes are answered.
      const relaxed = new RedisEphemeralStore(client, prefix, new ReplicaAck(client, 0));
      await expect(relaxed.claim('dpop:jti:z', 60_000)).resolves.toBe(true);
    } finally {
      await deleteRunKeys(client, prefix);
      await client.close();
    }
  });

  it('keeps each entry in one key under the prefix, expiring with its ttl', async () => {
    const client = await connectedClient();
    const prefix = `test:${randomUUID()}:`;
    try {
      const store = new RedisEphemeralStore(client, prefix);
      await store.claim('dpop:jti:a', 60_000);
      await store.put('mfa:b', 'v', 60_000);
      const keys: string[] = [];
      for await (const batch of scanKeys(client, `${prefix}*`)) keys.push(...batch);
      expect(keys.sort()).toEqual([`${prefix}eph:dpop:jti:a`, `${prefix}eph:mfa:b`]);
      for (const k of keys) {
        const ttl = await client.pTTL(k);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(60_000);
      }
    } finally {
      await deleteRunKeys(client, prefix);
      client.destroy();
    }
  });
});
