import { Global, Inject, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createClient, createCluster, type RedisClientType, type RedisClusterType } from 'redis';
import { redisConfig, type RedisTarget } from '../config/config.js';
import { Metrics } from '../metrics/metrics.js';
import { deadline, withCommandDeadline } from './command-deadline.js';
import { ReplicaAck } from './replica-ack.js';

/** The shared Redis client, or `null` when `REDIS_URL` is unset (every store is then embedded). */
export const REDIS = Symbol('REDIS');

/**
 * One server or a Redis Cluster. The commands the stores use (single-key commands and scripts, a
 * one-key `MULTI`, an `MGET` of keys sharing a hash tag) are typed and behave alike on both; a
 * cluster client routes each by its first key. Keys that one command reads or writes together
 * must share a hash tag (`./keys.ts`), or a cluster refuses the command (`CROSSSLOT`).
 */
export type Redis = RedisClientType | RedisClusterType;

/** Longest wait for one Redis reply; every command this server sends is a single-slot O(1) step or a short script. */
export const REDIS_COMMAND_DEADLINE_MS = 2000;

/**
 * node-redis' own command timeout off (5 s by default). It only bounds a command's wait to be
 * written, and arms an `AbortSignal.timeout` for each one: a timer nothing cancels, which outlives
 * the reply by seconds and costs more than the command (the bench report's "Hot-path changes").
 * `withCommandDeadline` bounds every command, to its reply, with a timer cleared at the reply.
 */
const NO_CLIENT_TIMEOUT = { timeout: 0 };

/** Reconnection backoff of every connection: 100 ms doubling up to 2 s. */
const reconnectStrategy = (retries: number): number => Math.min(100 * 2 ** retries, 2000);

/**
 * The client for `REDIS_URL`, not yet connected. Both kinds fail fast while a node is away instead
 * of queueing (`disableOfflineQueue`): a request that needs it gets a clean 503 at once, never a
 * late answer built on state that may have changed. A cluster client reads from masters only: a
 * revocation must be seen by the next request, and a replica may lag.
 */
export function createRedis(target: RedisTarget): Redis {
  if (target.kind === 'single') {
    return createClient({
      url: target.url,
      disableOfflineQueue: true,
      commandOptions: NO_CLIENT_TIMEOUT,
      socket: { connectTimeout: 3000, reconnectStrategy },
    });
  }
  const socket = { connectTimeout: 3000, reconnectStrategy, ...(target.tls ? { tls: true as const } : {}) };
  return createCluster({
    rootNodes: target.rootNodes.map((node) => ({ socket: { ...socket, host: node.host, port: node.port } })),
    defaults: {
      username: target.username,
      password: target.password,
      disableOfflineQueue: true,
      socket,
    },
    commandOptions: NO_CLIENT_TIMEOUT,
    useReplicas: false,
  });
}

/**
 * Whether this instance reaches Redis, for readiness. On a cluster, whether any master answers: one
 * master failing over makes its users' requests answer 503 on every instance alike, and taking
 * every instance out of rotation for it would turn a third of an outage into a whole one.
 */
export async function redisAnswers(redis: Redis): Promise<boolean> {
  try {
    if (!('masters' in redis)) return (await redis.ping()) === 'PONG';
    const pings = redis.masters.map(async (master) => {
      const node = await deadline(redis.nodeClient(master), REDIS_COMMAND_DEADLINE_MS);
      if ((await deadline(node.ping(), REDIS_COMMAND_DEADLINE_MS)) !== 'PONG') throw new Error('no PONG');
    });
    await Promise.any(pings);
    return true;
  } catch {
    return false;
  }
}

/** Logs one line when Redis (or a cluster node) goes away and one when it is back; never a command or a key. */
function logAvailability(client: Redis, logger: Logger): void {
  let down = false;
  const lost = (err: Error): void => {
    if (!down) logger.warn(`Redis unavailable: ${err.message}`);
    down = true;
  };
  const back = (): void => {
    if (down) logger.log('Redis connection restored');
    down = false;
  };
  const events = client as unknown as { on(event: string, listener: (...args: never[]) => void): void };
  events.on('error', lost);
  // A cluster client reports its nodes' connections as node events.
  events.on('node-error', lost);
  events.on('ready', back);
  events.on('node-ready', back);
}

@Global()
@Module({
  providers: [
    {
      provide: REDIS,
      // Metrics are optional: a module built without MetricsModule (a unit test) gets an untimed client.
      inject: [redisConfig.KEY, { token: Metrics, optional: true }],
      useFactory: async (
        config: ConfigType<typeof redisConfig>,
        metrics: Metrics | undefined,
      ): Promise<Redis | null> => {
        if (!config.target) return null;
        const client = createRedis(config.target);
        logAvailability(client, new Logger('Redis'));
        await client.connect();
        // Nor may a Redis that is connected but silent hold a request: past the deadline, a 503.
        // Every command is timed there too, for the store metrics (none when metrics are off).
        const observe = metrics?.enabled
          ? (seconds: number, failed: boolean) => metrics.observeStoreCommand('redis', seconds, failed)
          : undefined;
        return withCommandDeadline(client, REDIS_COMMAND_DEADLINE_MS, observe);
      },
    },
    {
      provide: ReplicaAck,
      inject: [REDIS, redisConfig.KEY],
      useFactory: (redis: Redis | null, config: ConfigType<typeof redisConfig>): ReplicaAck =>
        new ReplicaAck(redis, redis ? config.waitReplicas : 0),
    },
  ],
  exports: [REDIS, ReplicaAck],
})
export class RedisModule implements OnApplicationShutdown {
  constructor(@Inject(REDIS) private readonly redis: Redis | null) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.redis?.isOpen) await this.redis.close();
  }
}
