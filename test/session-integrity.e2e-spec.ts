import { Injectable, Module } from '@nestjs/common';
import { getRepositoryToken } from '@nestjs/typeorm';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import type { Repository } from 'typeorm';
import { SessionKind, type EndingSession, type SessionKindHandler } from '../src/session-registry/session-kind.js';
import { SessionRecord } from '../src/session-registry/session-record.entity.js';
import { SessionRegistry } from '../src/session-registry/session-registry.service.js';
import { SessionStoreGateway } from '../src/session-store/session-store.gateway.js';
import { TokenBlacklist } from '../src/token-blacklist/token-blacklist.js';
import { PASSWORD, register, sessionLogin, sleep, STORES } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'admin password of enough length';
const RACES = 20;

/** A kind of session added by a module of the deployment's own, without editing the registry. */
@SessionKind('device')
@Injectable()
class DeviceSessionKind implements SessionKindHandler {
  readonly credentialLifetimeMs = 60_000;
  readonly ended: EndingSession[] = [];

  end(session: EndingSession): Promise<void> {
    this.ended.push(session);
    return Promise.resolve();
  }
}

@Module({ providers: [DeviceSessionKind] })
class DeviceSessionModule {}

interface Listed {
  id: string;
  kind: string;
  createdAt: string;
  expiresAt: string;
}

/** The express-session / @fastify/session store id inside a signed cookie (`s:<id>.<signature>`). */
const storeIdOf = (cookie: string): string => {
  const value = decodeURIComponent(cookie.slice(cookie.indexOf('=') + 1));
  return value.slice(2, value.lastIndexOf('.'));
};

describe.each(STORES)('Session integrity on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  let adminAuth: Record<string, string>;

  beforeAll(async () => {
    t = await createTestApp({
      env: { ...storeEnv(), ADMIN_EMAIL, ADMIN_PASSWORD },
      imports: [DeviceSessionModule],
    });
    const res = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD })
      .expect(200);
    adminAuth = { Authorization: `Bearer ${(res.body as { accessToken: string }).accessToken}` };
  });
  afterAll(async () => {
    await t.close();
  });

  const listed = async (userId: string): Promise<Listed[]> =>
    (await request(t.http).get(`/admin/users/${userId}/sessions`).set(adminAuth).expect(200)).body as Listed[];

  // Forty password hashes and checks: on a loaded machine they alone can take past jest's 30 s.
  it(`leaves no zombie: ${RACES} cookie logins racing a forced logout each end up listed as open or refused`, async () => {
    let refused = 0;
    let working = 0;
    // The logout is sent later and later across the races, from well inside the password check to
    // past the login's end, so it falls before, among and after the login's writes.
    const probe = await register(t.http);
    const started = Date.now();
    await sessionLogin(t.http, probe.email);
    const loginMs = Date.now() - started;
    for (let i = 0; i < RACES; i++) {
      const user = await register(t.http);
      const delay = Math.round(loginMs * (0.3 + (0.9 * i) / RACES));
      const [login] = await Promise.all([
        request(t.http).post('/auth/session/login').send({ email: user.email, password: PASSWORD }),
        sleep(delay).then(() => request(t.http).post(`/admin/users/${user.id}/logout`).set(adminAuth).expect(204)),
      ]);
      expect(login.status).toBe(200);
      const cookie = String((login.headers['set-cookie'] as unknown as string[])[0]).split(';')[0]!;
      const me = await request(t.http).get('/users/me').set('Cookie', cookie);
      expect([200, 401]).toContain(me.status);
      const open = await listed(user.id);
      if (me.status === 200) {
        working++;
        // Working, so it must be one the registry lists (and can end).
        expect(open.filter((s) => s.kind === 'cookie')).toHaveLength(1);
        await request(t.http).post(`/admin/users/${user.id}/logout`).set(adminAuth).expect(204);
        await request(t.http).get('/users/me').set('Cookie', cookie).expect(401);
      } else {
        refused++;
        // Refused once is refused for good, and the registry no longer lists it.
        await request(t.http).get('/users/me').set('Cookie', cookie).expect(401);
        expect(open.filter((s) => s.kind === 'cookie')).toHaveLength(0);
      }
    }
    expect(working + refused).toBe(RACES);
  }, 120_000);

  it('refuses a cookie session whose store entry outlived its end (written back by a request in flight)', async () => {
    const user = await register(t.http);
    const s = await sessionLogin(t.http, user.email);
    const store = t.app.get(SessionStoreGateway);
    const sid = storeIdOf(s.cookie);
    const saved = await store.get(sid);
    expect(saved?.auth?.userId).toBe(user.id);
    await request(t.http).post(`/admin/users/${user.id}/logout`).set(adminAuth).expect(204);
    await expect(store.get(sid)).resolves.toBeNull();
    await new Promise<void>((resolve, reject) =>
      store.store.set(sid, saved!, (err?: unknown) =>
        err ? reject(new Error('store write failed', { cause: err })) : resolve(),
      ),
    );
    await request(t.http).get('/users/me').set('Cookie', s.cookie).expect(401);
  });

  it('refuses a cookie session made before a cut-off even while its record is still open', async () => {
    const user = await register(t.http);
    const s = await sessionLogin(t.http, user.email);
    // Only the cut-off, as when a forced logout lists the records before this login's record is written.
    await t.app.get(TokenBlacklist).setUserCutoff(user.id, Date.now(), new Date(Date.now() + 60_000));
    expect((await listed(user.id)).filter((r) => r.kind === 'cookie')).toHaveLength(1);
    await request(t.http).get('/users/me').set('Cookie', s.cookie).expect(401);
    // The refusal closes what was left open.
    expect((await listed(user.id)).filter((r) => r.kind === 'cookie')).toHaveLength(0);
    // A login after the cut-off is a new session and works.
    const again = await sessionLogin(t.http, user.email);
    await request(t.http).get('/users/me').set('Cookie', again.cookie).expect(200);
  });

  it('ends a kind a module registers, without the registry knowing it, and lists it meanwhile', async () => {
    const user = await register(t.http);
    const registry = t.app.get(SessionRegistry);
    const record = await registry.open({ userId: user.id, kind: 'device', expiresAt: new Date(Date.now() + 60_000) });
    expect((await listed(user.id)).map((r) => [r.id, r.kind])).toEqual([[record.id, 'device']]);
    await request(t.http).post(`/admin/users/${user.id}/logout`).set(adminAuth).expect(204);
    expect(t.app.get(DeviceSessionKind).ended).toContainEqual({ id: record.id, userId: user.id, storeSid: null });
    expect(await listed(user.id)).toEqual([]);
  });

  it('closes idle and expired records as expired, and deletes closed ones after the audit retention', async () => {
    const user = await register(t.http);
    const s = await sessionLogin(t.http, user.email);
    const registry = t.app.get(SessionRegistry);
    const records = t.app.get<Repository<SessionRecord>>(getRepositoryToken(SessionRecord));
    // An hour past the idle timeout (SESSION_IDLE_TIMEOUT defaults to 30 minutes).
    const later = new Date(Date.now() + 90 * 60_000);
    const first = await registry.purge(later);
    expect(first.expired).toBeGreaterThanOrEqual(1);
    const row = await records.findOneByOrFail({ userId: user.id });
    expect(row.revokedAt).not.toBeNull();
    const audit = await request(t.http).get(`/admin/audit?userId=${user.id}&type=session.revoked`).set(adminAuth);
    expect((audit.body as { events: { detail: { reason: string } }[] }).events[0]?.detail.reason).toBe('expired');
    // Its cookie is as dead as the record says (the store entry expires by itself; the record is closed).
    expect(s.cookie).toContain('=');
    const afterRetention = new Date(later.getTime() + 91 * 86_400_000);
    const second = await registry.purge(afterRetention);
    expect(second.deleted).toBeGreaterThanOrEqual(1);
    await expect(records.countBy({ userId: user.id })).resolves.toBe(0);
  });
});

describe.each(STORES)('JWT sessions end on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), JWT_REFRESH_ABSOLUTE_TTL: '5', JWT_REFRESH_TTL: '60' } });
  });
  afterAll(async () => {
    await t.close();
  });

  const refresh = (http: App, refreshToken: string) => request(http).post('/auth/jwt/refresh').send({ refreshToken });

  it('a refresh family ends JWT_REFRESH_ABSOLUTE_TTL after its login however often it slides', async () => {
    const user = await register(t.http);
    const login = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    let pair = login.body as { accessToken: string; refreshToken: string; refreshExpiresIn: number };
    expect(pair.refreshExpiresIn).toBe(5);
    const auth = { Authorization: `Bearer ${pair.accessToken}` };
    const [session] = (await request(t.http).get('/auth/sessions').set(auth).expect(200)).body as Listed[];
    const absoluteEnd = new Date(session!.createdAt).getTime() + 5000;
    expect(new Date(session!.expiresAt).getTime()).toBeLessThanOrEqual(absoluteEnd);

    await sleep(1200);
    const slid = await refresh(t.http, pair.refreshToken).expect(200);
    pair = slid.body as typeof pair;
    expect(pair.refreshExpiresIn).toBeLessThanOrEqual(4);
    const listedAfter = (
      await request(t.http)
        .get('/auth/sessions')
        .set({ Authorization: `Bearer ${pair.accessToken}` })
        .expect(200)
    ).body as Listed[];
    // The listed end never passes the absolute one, though JWT_REFRESH_TTL alone would slide it a minute on.
    expect(new Date(listedAfter[0]!.expiresAt).getTime()).toBeLessThanOrEqual(absoluteEnd);

    await sleep(Math.max(0, absoluteEnd - Date.now()) + 300);
    await refresh(t.http, pair.refreshToken).expect(401);
  });
});
