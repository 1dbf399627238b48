import { Logger } from '@nestjs/common';
import { ErrorReply } from 'redis';
import { DomainError } from '../common/errors.js';
import type { Redis } from '../redis/redis.module.js';
import type { ReplicaAck } from '../redis/replica-ack.js';
import { checkEntry, EphemeralStore } from './ephemeral-store.js';

/**
 * Each entry is one hash (`v` value, `n` counter) with a PX expiry, so claims, values and counters
 * share one key and every operation touches a single key (one Cluster slot). The scripts make each
 * operation one atomic step.
 */
const CLAIM = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'v', '', 'n', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return 1
`;
const PUT = `
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'n', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1
`;
const TAKE = `
local v = redis.call('HGET', KEYS[1], 'v')
if v then redis.call('DEL', KEYS[1]) end
return v
`;
const INCREMENT = `
if redis.call('EXISTS', KEYS[1]) == 0 then return false end
return redis.call('HINCRBY', KEYS[1], 'n', 1)
`;

/** The ephemeral store in Redis, shared by every instance; Redis expires the keys itself. */
export class RedisEphemeralStore extends EphemeralStore {
  private readonly logger = new Logger(RedisEphemeralStore.name);
  private readonly prefix: string;

  /**
   * `ack`: after each write (a replay mark claimed, a challenge put or taken, an attempt counted)
   * the key's replicas must have it before the answer (`REDIS_WAIT_REPLICAS`), so a failover can
   * neither forget a spent proof or challenge nor hand one out twice.
   */
  constructor(
    private readonly redis: Redis,
    keyPrefix: string,
    private readonly ack?: ReplicaAck,
  ) {
    super();
    this.prefix = `${keyPrefix}eph:`;
  }

  async claim(key: string, ttlMs: number): Promise<boolean> {
    checkEntry(key, ttlMs);
    return (await this.run(CLAIM, key, [String(ttlMs)])) === 1;
  }

  async put(key: string, value: string, ttlMs: number): Promise<void> {
    checkEntry(key, ttlMs);
    await this.run(PUT, key, [value, String(ttlMs)]);
  }

  async get(key: string): Promise<string | null> {
    checkEntry(key);
    try {
      return await this.redis.hGet(this.prefix + key, 'v');
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  async take(key: string): Promise<string | null> {
    checkEntry(key);
    const value = await this.run(TAKE, key, []);
    return typeof value === 'string' ? value : null;
  }

  async increment(key: string): Promise<number | null> {
    checkEntry(key);
    const count = await this.run(INCREMENT, key, []);
    return typeof count === 'number' ? count : null;
  }

  async delete(key: string): Promise<void> {
    checkEntry(key);
    try {
      await this.redis.del(this.prefix + key);
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  private async run(script: string, key: string, args: string[]): Promise<unknown> {
    try {
      const result = await this.redis.eval(script, { keys: [this.prefix + key], arguments: args });
      await this.ack?.confirm(this.prefix + key);
      return result;
    } catch (err) {
      throw this.unavailable(err);
    }
  }

  private unavailable(err: unknown): DomainError {
    // Connection trouble is already logged by the Redis module; an error reply is a bug worth a line.
    if (err instanceof ErrorReply) this.logger.error(`Redis error: ${err.message}`);
    return new DomainError('UNAVAILABLE', 'Service unavailable');
  }
}
