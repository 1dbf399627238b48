import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { DomainError } from '../common/errors.js';
import type { Redis } from '../redis/redis.module.js';

/** What every refused login says, rate-limited or locked alike: only `Retry-After` differs. */
export const TOO_MANY_ATTEMPTS = 'Too many login attempts, try again later';

export interface LimiterSpec {
  /** Counter family, part of every key. */
  name: string;
  points: number;
  durationSeconds: number;
  blockSeconds?: number;
}

/**
 * Builds a rate-limiter-flexible limiter: atomic counters in Redis (one Lua call per check,
 * shared by every instance) when a client is given, in this process otherwise.
 */
export function makeLimiter(spec: LimiterSpec, redis: Redis | null, prefix: string): RateLimiterAbstract {
  const options = {
    keyPrefix: `${prefix}rl:${spec.name}`,
    points: spec.points,
    duration: spec.durationSeconds,
    blockDuration: spec.blockSeconds ?? 0,
  };
  return redis
    ? new RateLimiterRedis({ ...options, storeClient: redis, useRedisPackage: true })
    : new RateLimiterMemory(options);
}

/**
 * Consumes one point; past the limit it throws the one 429 (`Retry-After` from the limiter). A
 * store that cannot answer is a 503: without its counters a limiter cannot tell an attack from a user.
 */
export async function consume(limiter: RateLimiterAbstract, key: string, message: string): Promise<void> {
  try {
    await limiter.consume(key);
  } catch (err) {
    if (err instanceof RateLimiterRes) throw new DomainError('RATE_LIMITED', message, err.msBeforeNext / 1000);
    throw new DomainError('UNAVAILABLE', 'Service unavailable');
  }
}

/** Runs a limiter call, turning a store failure into a clean 503. */
export async function storeCall<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch {
    throw new DomainError('UNAVAILABLE', 'Service unavailable');
  }
}
