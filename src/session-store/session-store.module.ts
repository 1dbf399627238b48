import { Inject, Module, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Store } from 'express-session';
import { DataSource } from 'typeorm';
import { redisConfig, sessionConfig } from '../config/config.js';
import { REDIS, type Redis } from '../redis/redis.module.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { EmbeddedSessionStore } from './embedded-session-store.js';
import { RedisSessionStore } from './redis-session-store.js';
import { SESSION_STORE } from './session-store.constants.js';
import { SessionStoreGateway } from './session-store.gateway.js';

/**
 * The express-session store, chosen once from config: Redis when `REDIS_URL` is set, else the
 * embedded table. Either way a session the cookie does not date lives for the absolute timeout,
 * the longest any session may. Others import this module and inject `SessionStoreGateway`.
 */
@Module({
  providers: [
    {
      provide: SESSION_STORE,
      inject: [REDIS, redisConfig.KEY, sessionConfig.KEY, DataSource, ReplicaAck],
      useFactory: async (
        redis: Redis | null,
        redisCfg: ConfigType<typeof redisConfig>,
        sessionCfg: ConfigType<typeof sessionConfig>,
        dataSource: DataSource,
        ack: ReplicaAck,
      ): Promise<Store> => {
        if (redis) return new RedisSessionStore(redis, `${redisCfg.keyPrefix}sess:`, sessionCfg.absoluteTimeout, ack);
        const store = new EmbeddedSessionStore(dataSource, sessionCfg.absoluteTimeout);
        await store.startPurging();
        return store;
      },
    },
    SessionStoreGateway,
  ],
  exports: [SessionStoreGateway],
})
export class SessionStoreModule implements OnModuleDestroy {
  constructor(@Inject(SESSION_STORE) private readonly store: Store) {}

  async onModuleDestroy(): Promise<void> {
    // Before the DataSource closes (TypeORM closes it on application shutdown, which comes later).
    if (this.store instanceof EmbeddedSessionStore) await this.store.stopPurging();
  }
}
