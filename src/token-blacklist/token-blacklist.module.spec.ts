import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { AppConfigModule } from '../config/config.module.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { DatabaseModule } from '../database/database.module.js';
import { REDIS, type Redis, RedisModule } from '../redis/redis.module.js';
import { EmbeddedTokenBlacklist } from './embedded-token-blacklist.js';
import { RedisTokenBlacklist } from './redis-token-blacklist.js';
import { TokenBlacklistModule } from './token-blacklist.module.js';
import { TokenBlacklist } from './token-blacklist.js';
import { TokenRevocation } from './token-revocation.entity.js';

const VARS = ['NODE_ENV', 'DATABASE_URL', 'REDIS_URL', 'REDIS_KEY_PREFIX', 'LOG_LEVEL'] as const;

/** The module as the app wires it: real config, database and Redis modules, from the environment. */
async function start(env: Partial<Record<(typeof VARS)[number], string>>) {
  for (const key of VARS) delete process.env[key];
  Object.assign(process.env, { NODE_ENV: 'test', LOG_LEVEL: 'silent' }, env);
  const moduleRef = await Test.createTestingModule({
    imports: [AppConfigModule, DatabaseModule, RedisModule, TokenBlacklistModule],
  }).compile();
  const app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  return app;
}

describe('TokenBlacklistModule', () => {
  const saved = Object.fromEntries(VARS.map((k) => [k, process.env[k]]));
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'token-blacklist-module-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const key of VARS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  it('uses the database without REDIS_URL, purges at start-up, and keeps entries across a restart', async () => {
    const file = join(dir, 'auth.sqlite');
    // An expired row left by an earlier run, written through the same migrations.
    const before = await new DataSource(dataSourceOptions({ kind: 'sqlite', url: '', sqlitePath: file })).initialize();
    await before.getRepository(TokenRevocation).insert({ kind: 'jti', key: 'old', cutoffMs: null, expiresAt: 1 });
    await before.destroy();

    const token = { jti: randomUUID(), sid: randomUUID(), sub: randomUUID(), issuedAtMs: Date.now() };
    let app = await start({ DATABASE_URL: `sqlite:${file}` });
    try {
      const blacklist = app.get(TokenBlacklist);
      expect(blacklist).toBeInstanceOf(EmbeddedTokenBlacklist);
      await expect(app.get(DataSource).getRepository(TokenRevocation).countBy({ key: 'old' })).resolves.toBe(0);
      await blacklist.revokeToken(token.sub, token.jti, new Date(Date.now() + 60_000));
    } finally {
      await app.close();
    }

    app = await start({ DATABASE_URL: `sqlite:${file}` });
    try {
      await expect(app.get(TokenBlacklist).isRevoked(token)).resolves.toBe(true);
    } finally {
      await app.close();
    }
  });

  it('uses Redis, under REDIS_KEY_PREFIX, when REDIS_URL is set', async () => {
    const prefix = `test:${randomUUID()}:`;
    const app = await start({
      DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite')}`,
      REDIS_URL: 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: prefix,
    });
    const redis = app.get<Redis>(REDIS);
    try {
      const blacklist = app.get(TokenBlacklist);
      expect(blacklist).toBeInstanceOf(RedisTokenBlacklist);
      await blacklist.revokeSession('u1', 's1', new Date(Date.now() + 60_000));
      await expect(redis.exists(`${prefix}bl:sid:{u:u1}:s1`)).resolves.toBe(1);
      await expect(app.get(DataSource).getRepository(TokenRevocation).count()).resolves.toBe(0);
    } finally {
      await redis.del(`${prefix}bl:sid:{u:u1}:s1`);
      await app.close();
    }
  });
});
