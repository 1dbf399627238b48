import { createClient } from 'redis';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { register, REDIS_URL, redisEnv, sessionLogin, sleep } from './support/http.js';
import { createTestApp } from './support/test-app.js';

/** The session id inside a signed cookie `sid=s:<id>.<signature>`. */
const sidOf = (cookie: string): string =>
  decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1))
    .slice(2)
    .split('.')[0]!;

describe('Guarded GETs do not write to the session store on every request (e2e)', () => {
  it('embedded store: the row is untouched by GETs within a tenth of the idle timeout, and rewritten after it', async () => {
    const t = await createTestApp({ env: { SESSION_IDLE_TIMEOUT: '20' } });
    try {
      const user = await register(t.http);
      const { cookie } = await sessionLogin(t.http, user.email);
      const db = t.app.get(DataSource);
      // Through the query builder, so the spec runs on SQLite and on PostgreSQL alike.
      const row = async (): Promise<string> =>
        JSON.stringify(
          await db
            .createQueryBuilder()
            .select('*')
            .from('http_sessions', 's')
            .where('s.sid = :sid', { sid: sidOf(cookie) })
            .getRawMany(),
        );
      const before = await row();
      expect(before).not.toBe('[]');
      for (let i = 0; i < 5; i++) await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
      expect(await row()).toBe(before);
      // Past a tenth of the idle timeout (2 s), the next request records activity once.
      await sleep(2100);
      await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
      const after = await row();
      expect(after).not.toBe(before);
      await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
      expect(await row()).toBe(after);
    } finally {
      await t.close();
    }
  });

  it('Redis store: GETs neither rewrite the value nor reset the TTL until a tenth of the idle timeout has passed', async () => {
    const env: Record<string, string> = { ...redisEnv(), SESSION_IDLE_TIMEOUT: '20' };
    const t = await createTestApp({ env });
    const redis = createClient({ url: REDIS_URL });
    await redis.connect();
    try {
      const user = await register(t.http);
      const { cookie } = await sessionLogin(t.http, user.email);
      const key = `${env.REDIS_KEY_PREFIX}sess:{s:${sidOf(cookie)}}`;
      const value = await redis.get(key);
      expect(value).not.toBeNull();
      const ttlBefore = await redis.pTTL(key);
      await sleep(300);
      for (let i = 0; i < 5; i++) await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
      expect(await redis.get(key)).toBe(value);
      // A written key would have its TTL reset to the full 20 s; an untouched one keeps counting down.
      expect(await redis.pTTL(key)).toBeLessThan(ttlBefore - 250);
      await sleep(2100);
      await request(t.http).get('/users/me').set('Cookie', cookie).expect(200);
      expect(await redis.get(key)).not.toBe(value);
    } finally {
      await redis.close();
      await t.close();
    }
  });
});
