import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { getRepositoryToken, TypeOrmModule } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { redisConfig } from '../config/config.js';
import { REDIS, type Redis } from '../redis/redis.module.js';
import { ReplicaAck } from '../redis/replica-ack.js';
import { EmbeddedTokenBlacklist } from './embedded-token-blacklist.js';
import { RedisTokenBlacklist } from './redis-token-blacklist.js';
import { TokenBlacklist } from './token-blacklist.js';
import { TokenRevocation } from './token-revocation.entity.js';

/**
 * Provides `TokenBlacklist`: in Redis when `REDIS_URL` is set (shared by every instance), else in
 * the app's database. Chosen once here, so no caller ever branches on the store.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TokenRevocation])],
  providers: [
    {
      provide: TokenBlacklist,
      inject: [REDIS, redisConfig.KEY, getRepositoryToken(TokenRevocation), ReplicaAck],
      useFactory: (
        redis: Redis | null,
        config: ConfigType<typeof redisConfig>,
        repository: Repository<TokenRevocation>,
        ack: ReplicaAck,
      ): TokenBlacklist =>
        redis ? new RedisTokenBlacklist(redis, config.keyPrefix, ack) : new EmbeddedTokenBlacklist(repository),
    },
  ],
  exports: [TokenBlacklist],
})
export class TokenBlacklistModule {}
