/**
 * The Redis operations of each request, measured on one Redis server beside a Redis Cluster, through
 * the stores' own classes on the app's own client setup (`createRedis`, the command deadline, the
 * replica acknowledgement): latency per operation (one at a time: the round trip, not throughput)
 * and bytes per key (`MEMORY USAGE`). On the cluster every durable write waits for one replica
 * (`WAIT 1`, the default there); the same writes without it show what the wait costs.
 *
 * Self-contained: `redisClusterSection()` returns its rows and a Markdown table; run.ts only calls it.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import type { SessionData } from 'express-session';
import session from 'express-session';
import { parseRedisUrl } from '../../src/config/config.js';
import { withCommandDeadline } from '../../src/redis/command-deadline.js';
import { deleteKeys } from '../../src/redis/keyspace.js';
import { createRedis, REDIS_COMMAND_DEADLINE_MS, type Redis } from '../../src/redis/redis.module.js';
import { ReplicaAck } from '../../src/redis/replica-ack.js';
import { RedisSessionStore } from '../../src/session-store/redis-session-store.js';
import { RedisTokenBlacklist } from '../../src/token-blacklist/redis-token-blacklist.js';
import { percentile, round } from '../lib/stats.js';

export interface RedisClusterRow {
  /** `single` or `cluster`, and whether writes waited for a replica. */
  target: string;
  operation: string;
  /** Redis commands the operation sends. */
  commands: string;
  p50Us: number;
  p99Us: number;
}

export interface RedisClusterFootprint {
  target: string;
  what: string;
  /** `MEMORY USAGE` of one key, averaged (key name, value and Redis' own overhead for the key). */
  bytesPerKey: number;
}

export interface RedisClusterSection {
  rows: RedisClusterRow[];
  footprints: RedisClusterFootprint[];
  markdown: string;
}

/** What express-session hands the store after a cookie login: the cookie, the user, the CSRF secret. */
function signedInSession(): SessionData {
  const cookie = new session.Cookie();
  cookie.maxAge = 43_200_000;
  cookie.originalMaxAge = 43_200_000;
  return Object.assign(
    { cookie },
    {
      passport: { user: { id: randomUUID(), roles: ['user'], sessionId: randomUUID() } },
      csrfSecret: randomBytes(18).toString('base64url'),
      lastSeenAt: Date.now(),
      startedAt: Date.now(),
    },
  );
}

const callback = (run: (cb: (err: unknown) => void) => unknown): Promise<void> =>
  new Promise((resolve, reject) => {
    run((err) => (err ? reject(err instanceof Error ? err : new Error('session store error')) : resolve()));
  });

async function timed(samples: number, op: (i: number) => Promise<unknown>): Promise<{ p50Us: number; p99Us: number }> {
  // A warm-up round: connections to every master are open, scripts are cached.
  for (let i = 0; i < Math.min(50, samples); i++) await op(i);
  const us: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    await op(i);
    us.push((performance.now() - t0) * 1000);
  }
  us.sort((a, b) => a - b);
  return { p50Us: round(percentile(us, 50), 0), p99Us: round(percentile(us, 99), 0) };
}

async function memoryUsage(redis: Redis, key: string): Promise<number> {
  const args = ['MEMORY', 'USAGE', key, 'SAMPLES', '0'];
  const reply = 'masters' in redis ? await redis.sendCommand(key, true, args) : await redis.sendCommand(args);
  return Number(reply);
}

async function measureTarget(
  target: string,
  url: string,
  waitReplicas: number,
  samples: number,
): Promise<{ rows: RedisClusterRow[]; footprints: RedisClusterFootprint[] }> {
  const client = createRedis(parseRedisUrl(url));
  await client.connect();
  const redis = withCommandDeadline(client, REDIS_COMMAND_DEADLINE_MS);
  // The production default prefix length, and a prefix of its own for this run.
  const prefix = `b${randomBytes(2).toString('hex')}:`;
  const ack = new ReplicaAck(redis, waitReplicas);
  const blacklist = new RedisTokenBlacklist(redis, prefix, ack);
  const store = new RedisSessionStore(redis, `${prefix}sess:`, 43_200, ack);
  const rows: RedisClusterRow[] = [];
  const wait = waitReplicas > 0 ? ` + WAIT ${waitReplicas}` : '';
  const row = async (operation: string, commands: string, op: (i: number) => Promise<unknown>): Promise<void> => {
    rows.push({ target, operation, commands, ...(await timed(samples, op)) });
  };
  try {
    const users = Array.from({ length: samples + 50 }, () => randomUUID());
    const sids = Array.from({ length: samples + 50 }, () => randomBytes(32).toString('base64url'));
    const until = new Date(Date.now() + 900_000);
    await row('revoke an access token (logout)', `EVAL${wait}`, (i) =>
      blacklist.revokeToken(users[i]!, randomUUID(), until),
    );
    await row('cut-off (forced logout)', `EVAL${wait}`, (i) => blacklist.setUserCutoff(users[i]!, Date.now(), until));
    await row('revocation check (guarded Bearer request)', 'MGET (3 keys, one slot)', (i) =>
      blacklist.isRevoked({ jti: randomUUID(), sid: randomUUID(), sub: users[i]!, issuedAtMs: Date.now() }),
    );
    await row('write a new session (cookie login)', `SET${wait}`, (i) =>
      callback((cb) => store.set(sids[i]!, signedInSession(), cb)),
    );
    await row('read the session (guarded cookie request)', 'GET', (i) =>
      callback((cb) => store.get(sids[i]!, (err) => cb(err))),
    );
    await row('delete the session (cookie logout)', `DEL${wait}`, (i) => callback((cb) => store.destroy(sids[i]!, cb)));

    const footprints: RedisClusterFootprint[] = [];
    const average = async (what: string, keys: string[]): Promise<void> => {
      let sum = 0;
      for (const key of keys) sum += await memoryUsage(redis, key);
      footprints.push({ target, what, bytesPerKey: round(sum / keys.length, 0) });
    };
    const sample = users.slice(0, 100);
    const kept = sids.slice(0, 100);
    for (const sid of kept) await callback((cb) => store.set(sid, signedInSession(), cb));
    await average(
      'cookie session',
      kept.map((sid) => store.key(sid)),
    );
    const jtis = sample.map(() => randomUUID());
    for (let i = 0; i < sample.length; i++) await blacklist.revokeToken(sample[i]!, jtis[i]!, until);
    await average(
      'revoked access token (jti entry)',
      sample.map((u, i) => blacklist.key('jti', u, jtis[i])),
    );
    await average(
      'user cut-off',
      sample.map((u) => blacklist.key('user', u)),
    );
    return { rows, footprints };
  } finally {
    await deleteKeys(redis, `${prefix}*`);
    await redis.close();
  }
}

export async function redisClusterSection(options: {
  singleUrl: string;
  clusterUrl: string;
  samples: number;
  log: (line: string) => void;
}): Promise<RedisClusterSection> {
  const rows: RedisClusterRow[] = [];
  const footprints: RedisClusterFootprint[] = [];
  for (const [target, url, wait] of [
    ['one server', options.singleUrl, 0],
    ['cluster, WAIT 1 (default)', options.clusterUrl, 1],
    ['cluster, no WAIT', options.clusterUrl, 0],
  ] as const) {
    options.log(`  ${target}: ${options.samples} of each operation`);
    const measured = await measureTarget(target, url, wait, options.samples);
    rows.push(...measured.rows);
    if (wait > 0 || target === 'one server') footprints.push(...measured.footprints);
  }
  const markdown = [
    '| operation | Redis commands | target | p50 µs | p99 µs |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.operation} | ${r.commands} | ${r.target} | ${r.p50Us} | ${r.p99Us} |`),
    '',
    '| key | target | bytes per key (MEMORY USAGE) |',
    '| --- | --- | --- |',
    ...footprints.map((f) => `| ${f.what} | ${f.target} | ${f.bytesPerKey} |`),
  ].join('\n');
  return { rows, footprints, markdown };
}
