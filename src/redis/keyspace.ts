import type { RedisClientType } from 'redis';
import type { Redis } from './redis.module.js';

/**
 * Walks the keys matching `pattern` with SCAN, on every master of a cluster in turn (each holds
 * only its own slots), in batches. For maintenance and tests only: no request path scans.
 */
export async function* scanKeys(redis: Redis, pattern: string, count = 500): AsyncGenerator<string[]> {
  const nodes: RedisClientType[] = [];
  if ('masters' in redis) {
    const cluster = redis;
    for (const master of cluster.masters) nodes.push(await cluster.nodeClient(master));
  } else {
    nodes.push(redis);
  }
  for (const node of nodes) {
    for await (const keys of node.scanIterator({ MATCH: pattern, COUNT: count })) {
      if (keys.length > 0) yield keys;
    }
  }
}

/** Deletes every key matching `pattern`, one `DEL` per key (keys of different slots may not share a command). */
export async function deleteKeys(redis: Redis, pattern: string): Promise<number> {
  let deleted = 0;
  for await (const keys of scanKeys(redis, pattern)) {
    const counts = await Promise.all(keys.map((key) => redis.del(key)));
    deleted += counts.reduce((a, b) => a + b, 0);
  }
  return deleted;
}
