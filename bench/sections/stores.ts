/**
 * Store footprint: what 10,000 live sessions and 10,000 blacklisted tokens take, written straight
 * through the stores' own classes (no 10,000 argon2 logins), on a fresh SQLite file and under a
 * fresh Redis key prefix. Then the blacklist entries are watched disappear once expired.
 */
import session, { type SessionData, type Store } from 'express-session';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient } from 'redis';
import { DataSource } from 'typeorm';
import { RefreshToken } from '../../src/auth-jwt/refresh/refresh-token.entity.js';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
import type { RedisClientType as Redis } from 'redis';
import { SessionRecord } from '../../src/session-registry/session-record.entity.js';
import { EmbeddedSessionStore } from '../../src/session-store/embedded-session-store.js';
import { RedisSessionStore } from '../../src/session-store/redis-session-store.js';
import { EmbeddedTokenBlacklist } from '../../src/token-blacklist/embedded-token-blacklist.js';
import { RedisTokenBlacklist } from '../../src/token-blacklist/redis-token-blacklist.js';
import type { TokenBlacklist } from '../../src/token-blacklist/token-blacklist.js';
import { TokenRevocation } from '../../src/token-blacklist/token-revocation.entity.js';
import type { RunContext } from '../lib/context.js';
import type { BlacklistExpiry, StoreFootprint } from '../lib/results.js';
import type { Section } from '../lib/section.js';

const ABSOLUTE_TIMEOUT_SEC = 43_200;
const IDLE_TIMEOUT_MS = 1_800_000;
const USER_AGENT =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

/** A signed-in session exactly as express-session hands it to the store after a login. */
function signedInSession(userId: string, handle: string): SessionData {
  const cookie = new session.Cookie();
  cookie.httpOnly = true;
  cookie.sameSite = 'lax';
  cookie.path = '/';
  cookie.secure = false;
  cookie.maxAge = IDLE_TIMEOUT_MS; // a setter: sets `expires`
  cookie.originalMaxAge = IDLE_TIMEOUT_MS;
  const now = Date.now();
  const data: SessionData = {
    cookie,
    auth: {
      userId,
      roles: ['user'],
      handle,
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now,
      lastSeenAt: now,
    },
  };
  return data;
}

const setSession = (store: Store, sid: string, data: SessionData): Promise<void> =>
  new Promise((resolve, reject) =>
    store.set(sid, data, (err?: unknown) =>
      err ? reject(err instanceof Error ? err : new Error('session store error')) : resolve(),
    ),
  );

/** Runs `task(i)` for i < count, `width` at a time. */
async function inParallel(count: number, width: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Rows, and bytes of the table's pages and its indexes' (SQLite's dbstat). */
async function sqliteTable(ds: DataSource, table: string): Promise<{ rows: number; bytes: number }> {
  const [count] = await ds.query<{ n: number }[]>(`SELECT COUNT(*) AS n FROM "${table}"`);
  const [size] = await ds.query<{ bytes: number | null }[]>(
    `SELECT SUM(pgsize) AS bytes FROM dbstat WHERE name IN (SELECT name FROM sqlite_master WHERE tbl_name = ?)`,
    [table],
  );
  return { rows: count?.n ?? 0, bytes: size?.bytes ?? 0 };
}

async function redisKeys(redis: Redis, match: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const batch of redis.scanIterator({ MATCH: match, COUNT: 1000 })) keys.push(...batch);
  return keys;
}

async function redisFootprint(redis: Redis, match: string): Promise<{ rows: number; bytes: number }> {
  const keys = await redisKeys(redis, match);
  let bytes = 0;
  for (let i = 0; i < keys.length; i += 500) {
    const multi = redis.multi();
    for (const k of keys.slice(i, i + 500)) multi.memoryUsage(k, { SAMPLES: 0 });
    for (const v of await multi.exec()) bytes += Number(v ?? 0);
  }
  return { rows: keys.length, bytes };
}

async function usedMemory(redis: Redis): Promise<number> {
  const info = await redis.info('memory');
  return Number(/used_memory:(\d+)/.exec(info)?.[1] ?? 0);
}

const footprint = (
  what: string,
  store: StoreFootprint['store'],
  count: number,
  m: { rows: number; bytes: number },
  usedMemoryDelta?: number,
): StoreFootprint => ({
  what,
  store,
  count,
  rows: m.rows,
  bytes: m.bytes,
  bytesPerEntry: Math.round(m.bytes / Math.max(1, count)),
  ...(usedMemoryDelta === undefined ? {} : { usedMemoryDelta }),
});

async function revokedCount(blacklist: TokenBlacklist, jtis: string[]): Promise<number> {
  let n = 0;
  for (const jti of jtis) {
    if (await blacklist.isRevoked({ jti, sid: randomUUID(), sub: randomUUID(), issuedAtMs: Date.now() })) n++;
  }
  return n;
}

export interface StoreMeasurement {
  footprints: StoreFootprint[];
  blacklistExpiry: BlacklistExpiry[];
}

/**
 * @param count entries of each kind (10,000 in the report)
 * @param expirySec how long the blacklist entries live (short: the run waits for them to go)
 */
async function measureStores(
  dir: string,
  redisUrl: string | null,
  count: number,
  expirySec: number,
  log: (m: string) => void,
): Promise<StoreMeasurement> {
  const footprints: StoreFootprint[] = [];
  const blacklistExpiry: BlacklistExpiry[] = [];
  const file = join(dir, 'stores.sqlite');
  const ds = await new DataSource(
    dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file }),
  ).initialize();
  let redis: Redis | null = null;
  const prefix = `bench:${randomUUID()}:`;
  try {
    if (redisUrl) {
      redis = createClient({ url: redisUrl, disableOfflineQueue: true });
      redis.on('error', () => {});
      await redis.connect();
    }
    // Blacklist first: its entries expire while the sessions are measured.
    const expiresAt = new Date(Date.now() + expirySec * 1000);
    const sample = Array.from({ length: 200 }, () => randomUUID());
    const jti = (i: number): string => (i < sample.length ? sample[i]! : randomUUID());
    log(`  blacklist: ${count} revoked tokens per store, expiring in ${expirySec}s`);
    const embeddedBl = new EmbeddedTokenBlacklist(ds.getRepository(TokenRevocation));
    await inParallel(count, 1, (i) => embeddedBl.revokeToken(`u${i % 100}`, jti(i), expiresAt));
    footprints.push(
      footprint('blacklisted access tokens', 'embedded', count, await sqliteTable(ds, 'token_revocations')),
    );
    let redisBl: RedisTokenBlacklist | null = null;
    if (redis) {
      redisBl = new RedisTokenBlacklist(redis, prefix);
      const before = await usedMemory(redis);
      await inParallel(count, 100, (i) => redisBl!.revokeToken(`u${i % 100}`, jti(i), expiresAt));
      footprints.push(
        footprint(
          'blacklisted access tokens',
          'redis',
          count,
          await redisFootprint(redis, `${prefix}bl:*`),
          (await usedMemory(redis)) - before,
        ),
      );
    }

    log(`  sessions: ${count} live cookie sessions and ${count} JWT sessions`);
    const userIds = Array.from({ length: 100 }, () => randomUUID());
    const records = ds.getRepository(SessionRecord);
    const insertRecords = async (kind: 'cookie' | 'jwt', sids: string[]): Promise<string[]> => {
      const ids = sids.map(() => randomUUID());
      const now = new Date();
      for (let i = 0; i < ids.length; i += 500) {
        await records.insert(
          ids.slice(i, i + 500).map((id, j) => ({
            id,
            userId: userIds[(i + j) % userIds.length]!,
            kind,
            lastSeenAt: now,
            expiresAt: new Date(now.getTime() + ABSOLUTE_TIMEOUT_SEC * 1000),
            ip: '203.0.113.7',
            userAgent: USER_AGENT,
            revokedAt: null,
            storeSid: kind === 'cookie' ? sids[i + j]! : null,
          })),
        );
      }
      return ids;
    };
    const sids = Array.from({ length: count }, () => randomBytes(32).toString('base64url'));
    const handles = await insertRecords('cookie', sids);
    footprints.push(
      footprint('session registry rows (either style, SQL)', 'embedded', count, await sqliteTable(ds, 'auth_sessions')),
    );
    const embeddedStore = new EmbeddedSessionStore(ds, ABSOLUTE_TIMEOUT_SEC);
    await inParallel(count, 1, (i) =>
      setSession(embeddedStore, sids[i]!, signedInSession(userIds[i % userIds.length]!, handles[i]!)),
    );
    footprints.push(
      footprint('cookie sessions (express-session store)', 'embedded', count, await sqliteTable(ds, 'http_sessions')),
    );
    if (redis) {
      const redisStore = new RedisSessionStore(redis, `${prefix}sess:`, ABSOLUTE_TIMEOUT_SEC);
      const before = await usedMemory(redis);
      await inParallel(count, 100, (i) =>
        setSession(redisStore, sids[i]!, signedInSession(userIds[i % userIds.length]!, handles[i]!)),
      );
      footprints.push(
        footprint(
          'cookie sessions (express-session store)',
          'redis',
          count,
          await redisFootprint(redis, `${prefix}sess:*`),
          (await usedMemory(redis)) - before,
        ),
      );
    }
    // Rows as RefreshTokenService.issue() writes them (the SHA-256 of a 256-bit token, never the
    // token), inserted 500 at a time: 10,000 single inserts through TypeORM take seconds.
    const refreshRows = ds.getRepository(RefreshToken);
    for (let i = 0; i < count; i += 500) {
      await refreshRows.insert(
        Array.from({ length: Math.min(500, count - i) }, (_, j) => ({
          id: randomUUID(),
          tokenHash: createHash('sha256').update(randomBytes(32).toString('base64url')).digest('hex'),
          familyId: randomUUID(),
          parentId: null,
          userId: userIds[(i + j) % userIds.length]!,
          expiresAt: new Date(Date.now() + 1_209_600_000),
        })),
      );
    }
    footprints.push(
      footprint('refresh tokens (JWT sessions, SQL)', 'embedded', count, await sqliteTable(ds, 'refresh_tokens')),
    );

    // Wait for the blacklist entries to expire, then look again.
    const wait = expiresAt.getTime() + 1500 - Date.now();
    if (wait > 0) {
      log(`  waiting ${Math.ceil(wait / 1000)}s for the blacklist entries to expire`);
      await sleep(wait);
    }
    const presentEmbedded = (await sqliteTable(ds, 'token_revocations')).rows;
    const revokedEmbedded = await revokedCount(embeddedBl, sample);
    await embeddedBl.purgeExpired();
    blacklistExpiry.push({
      store: 'embedded',
      count,
      expirySec,
      revokedAfterExpiry: revokedEmbedded,
      presentAfterExpiry: presentEmbedded,
      presentAfterPurge: (await sqliteTable(ds, 'token_revocations')).rows,
    });
    if (redis && redisBl) {
      const revokedRedis = await revokedCount(redisBl, sample);
      // SCAN skips (and deletes) keys already past their expiry, so "present" is what Redis still
      // holds in memory: its active expiry cycle frees expired keys within a few hundred ms.
      const present = (await redisKeys(redis, `${prefix}bl:*`)).length;
      let after = present;
      for (let i = 0; i < 20 && after > 0; i++) {
        await sleep(250);
        after = (await redisKeys(redis, `${prefix}bl:*`)).length;
      }
      blacklistExpiry.push({
        store: 'redis',
        count,
        expirySec,
        revokedAfterExpiry: revokedRedis,
        presentAfterExpiry: present,
        presentAfterPurge: after,
      });
    }
  } finally {
    if (redis) {
      const keys = await redisKeys(redis, `${prefix}*`);
      for (let i = 0; i < keys.length; i += 1000) await redis.del(keys.slice(i, i + 1000));
      redis.destroy();
    }
    await ds.destroy();
  }
  return { footprints, blacklistExpiry };
}

async function run(ctx: RunContext): Promise<StoreMeasurement> {
  const S = ctx.settings;
  const stores = await measureStores(
    ctx.tmp,
    ctx.redis ? ctx.redisUrl : null,
    S.storeCount,
    S.blacklistExpiry,
    ctx.log,
  );
  for (const f of stores.footprints)
    ctx.log(`  ${f.what} (${f.store}): ${f.rows} rows/keys, ${f.bytes} bytes (${f.bytesPerEntry} per entry)`);
  for (const e of stores.blacklistExpiry)
    ctx.log(
      `  blacklist after expiry (${e.store}): revoked ${e.revokedAfterExpiry}, present ${e.presentAfterExpiry}, after purge ${e.presentAfterPurge}`,
    );
  return stores;
}

export const storesSection: Section<StoreMeasurement> = {
  name: 'stores',
  title: 'store footprint',
  servers: () => [],
  none: { footprints: [], blacklistExpiry: [] },
  run,
};
