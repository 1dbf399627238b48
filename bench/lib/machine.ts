/** What the results say about where they were measured: the machine, Redis and the libraries' versions. */
import { readFileSync } from 'node:fs';
import { availableParallelism, cpus, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';
import type { LoadSpec } from '../load.js';
import { type Pinning, SERVER_NODE_FLAGS, wrkVersion } from './processes.js';
import type { BenchResults } from './results.js';
import { round } from './stats.js';

/** A client connected to the Redis at `url` (no reconnection), or null when there is none. */
async function connectRedis(url: string) {
  const client = createClient({ url, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    return client;
  } catch {
    if (client.isOpen) client.destroy();
    return null;
  }
}

/** Redis's version, or null when there is no Redis at `url`. */
export async function redisVersion(url: string): Promise<string | null> {
  const client = await connectRedis(url);
  if (!client) return null;
  try {
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return null;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

export function machine(o: {
  loadAverageAtStart: number[];
  pin: Pinning;
  tool: LoadSpec['tool'];
  redis: string | null;
}): BenchResults['machine'] {
  return {
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    loadAverageAtStart: o.loadAverageAtStart.map((x) => round(x, 2)),
    os: `${platform()} ${release()}`,
    node: process.version,
    serverNodeFlags: SERVER_NODE_FLAGS.join(' '),
    pinning: o.pin.note,
    loadTool: o.tool === 'wrk' ? (wrkVersion() ?? 'wrk') : 'autocannon',
    redis: o.redis,
  };
}

export function versions(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const pkgs = [
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/platform-fastify',
    '@nestjs/passport',
    '@nestjs/jwt',
    'passport',
    'passport-jwt',
    'jsonwebtoken',
    'express',
    'express-session',
    'helmet',
    'fastify',
    '@fastify/helmet',
    '@fastify/cookie',
    'pino',
    'connect-redis',
    'redis',
    'typeorm',
    'better-sqlite3',
    'argon2',
    'autocannon',
    // The alternatives' own (bench/peers/).
    'passport-local',
    'better-auth',
    'kysely',
  ];
  for (const p of pkgs) out[p] = packageVersion(root, p);
  return out;
}

/** An installed package's version, from its package.json under `root`'s node_modules. */
export function packageVersion(root: string, name: string): string {
  try {
    return (JSON.parse(readFileSync(join(root, 'node_modules', name, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    return 'not installed';
  }
}

/**
 * Redis's own CPU time (user + system, µs, from `INFO cpu`), read around a measured run of a Redis
 * case: Redis runs on the same cores as the server and the load generator, and what it takes of
 * them is not in the server's CPU per request. Null when there is no Redis at `url`.
 */
export async function redisCpu(url: string): Promise<{ micros(): Promise<number>; close(): void } | null> {
  const client = await connectRedis(url);
  if (!client) return null;
  return {
    async micros() {
      const info = await client.info('cpu');
      const seconds = (field: string): number => Number(new RegExp(`^${field}:(\\S+)`, 'm').exec(info)?.[1] ?? NaN);
      return (seconds('used_cpu_user') + seconds('used_cpu_sys')) * 1e6;
    },
    close() {
      if (client.isOpen) client.destroy();
    },
  };
}
