import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { redisConfig } from '../config/config.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { REDIS, type Redis } from '../redis/redis.module.js';
import { EmbeddedEphemeralStore } from './embedded-ephemeral-store.js';
import { EphemeralEntry } from './ephemeral-entry.entity.js';
import { EphemeralStore } from './ephemeral-store.js';
import { RedisEphemeralStore } from './redis-ephemeral-store.js';

/**
 * Provides `EphemeralStore`: in Redis when `REDIS_URL` is set (shared by every instance), else in
 * the app's database. Chosen once here, so no caller ever branches on the store.
 */
@Module({
  imports: [TypeOrmModule.forFeature([EphemeralEntry])],
  providers: [
    {
      provide: EphemeralStore,
      inject: [REDIS, redisConfig.KEY, getRepositoryToken(EphemeralEntry), ReplicaAck],
      useFactory: (
        redis: Redis | null,
        config: ConfigType<typeof redisConfig>,
        repository: Repository<EphemeralEntry>,
        ack: ReplicaAck,
      ): EphemeralStore =>
        redis ? new RedisEphemeralStore(redis, config.keyPrefix, ack) : new EmbeddedEphemeralStore(repository),
    },
  ],
  exports: [EphemeralStore],
})
export class EphemeralStoreModule {}
