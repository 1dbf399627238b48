import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createClient, type RedisClientType } from 'redis';
import { redisConfig } from '../config/config.js';
import { withCommandDeadline } from './command-deadline.js';

/** The shared Redis client, or `null` when `REDIS_URL` is unset (every store is then embedded). */
export const REDIS = Symbol('REDIS');
export type Redis = RedisClientType;

/** Longest wait for one Redis reply; every command this server sends is a single-key O(1) step or a short script. */
const REDIS_COMMAND_DEADLINE_MS = 2000;

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      inject: [redisConfig.KEY],
      useFactory: async (config: ConfigType<typeof redisConfig>): Promise<Redis | null> => {
        if (!config.url) return null;
        const logger = new Logger('Redis');
        const client: Redis = createClient({
          url: config.url,
          // Fail fast while Redis is away instead of queueing: a request that needs Redis then gets
          // a clean 503 at once, never a late answer built on state that may have changed.
          disableOfflineQueue: true,
          socket: { connectTimeout: 3000, reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) },
        });
        let down = false;
        client.on('error', (err: Error) => {
          if (!down) logger.warn(`Redis unavailable: ${err.message}`);
          down = true;
        });
        client.on('ready', () => {
          if (down) logger.log('Redis connection restored');
          down = false;
        });
        await client.connect();
        // Nor may a Redis that is connected but silent hold a request: past the deadline, a 503.
        return withCommandDeadline(client, REDIS_COMMAND_DEADLINE_MS);
      },
    },
  ],
  exports: [REDIS],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.isOpen) await this.redis.close();
  }
}
