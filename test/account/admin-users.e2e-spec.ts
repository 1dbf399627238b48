import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { PASSWORD, register, sessionLogin, STORES } from '../support/http.js';
import { decodePart } from '../support/tokens.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const ADMIN_EMAIL = 'root@example.com';
const ADMIN_PASSWORD = 'admin password of enough length';

interface Pair {
  accessToken: string;
  refreshToken: string;
}
interface AdminUser {
  id: string;
  email: string;
  displayName: string | null;
  roles: string[];
  emailVerified: boolean;
  mfaEnabled: boolean;
  lockedUntil: string | null;
  lastLoginAt: string | null;
}

const jwtLogin = async (http: App, email: string, password = PASSWORD): Promise<Pair> =>
  (await request(http).post('/auth/jwt/login').send({ email, password }).expect(200)).body as Pair;
const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

describe.each(STORES)('Admin user management on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  let admin: Record<string, string>;
  beforeAll(async () => {
    t = await createTestApp({ env: { ...storeEnv(), ADMIN_EMAIL, ADMIN_PASSWORD, LOGIN_MAX_FAILURES: '2' } });
    admin = bearer((await jwtLogin(t.http, ADMIN_EMAIL, ADMIN_PASSWORD)).accessToken);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists users by part of their email or name, a page at a time, with the account state', async () => {
    const tag = randomUUID().slice(0, 8);
    const made = [];
    for (let i = 0; i < 3; i++) made.push(await register(t.http, `list-${tag}-${i}@example.com`));
    await jwtLogin(t.http, made[0]!.email);
    // Lock the second one.
    for (let i = 0; i < 2; i++)
      await request(t.http).post('/auth/jwt/login').send({ email: made[1]!.email, password: 'wrong wrong wrong' });

    const first = await request(t.http).get(`/admin/users?query=${tag.toUpperCase()}&limit=2`).set(admin).expect(200);
    const page1 = first.body as { users: AdminUser[]; nextCursor: string | null };
    expect(page1.users).toHaveLength(2);
    expect(page1.nextCursor).toEqual(expect.any(String));
    const second = await request(t.http)
      .get(`/admin/users?query=${tag}&limit=2&cursor=${page1.nextCursor}`)
      .set(admin)
      .expect(200);
    const page2 = second.body as { users: AdminUser[]; nextCursor: string | null };
    expect(page2.nextCursor).toBeNull();
    const all = [...page1.users, ...page2.users];
    expect(all.map((u) => u.email).sort()).toEqual(made.map((u) => u.email).sort());
    const byEmail = new Map(all.map((u) => [u.email, u]));
    expect(byEmail.get(made[0]!.email)).toMatchObject({
      emailVerified: false,
      mfaEnabled: false,
      lockedUntil: null,
      lastLoginAt: expect.any(String),
    });
    expect(byEmail.get(made[1]!.email)!.lockedUntil).toEqual(expect.any(String));
    expect(byEmail.get(made[2]!.email)!.lastLoginAt).toBeNull();
    expect(JSON.stringify(all)).not.toMatch(/argon2|passwordHash/);

    // A pattern character is a literal, and bad paging is a 400.
    expect(
      ((await request(t.http).get('/admin/users?query=%25').set(admin).expect(200)).body as { users: [] }).users,
    ).toEqual([]);
    for (const q of ['limit=0', 'limit=101', 'limit=x', 'cursor=nope', 'query[$ne]=1'])
      await request(t.http).get(`/admin/users?${q}`).set(admin).expect(400);
  });

  it('unlock lifts the lockout at once; audited', async () => {
    const u = await register(t.http);
    for (let i = 0; i < 2; i++)
      await request(t.http).post('/auth/jwt/login').send({ email: u.email, password: 'wrong wrong wrong' }).expect(401);
    await request(t.http).post('/auth/jwt/login').send({ email: u.email, password: PASSWORD }).expect(429);
    await request(t.http).post(`/admin/users/${u.id}/unlock`).set(admin).expect(204);
    await jwtLogin(t.http, u.email);
    await request(t.http).post(`/admin/users/${randomUUID()}/unlock`).set(admin).expect(404);
    const events = await request(t.http).get(`/admin/audit?userId=${u.id}&type=user.unlocked`).set(admin).expect(200);
    expect((events.body as { events: unknown[] }).events).toHaveLength(1);
  });

  it('a roles change ends every session of the user, so no credential carries the old roles', async () => {
    const u = await register(t.http);
    const browser = await sessionLogin(t.http, u.email);
    const pair = await jwtLogin(t.http, u.email);
    const res = await request(t.http)
      .put(`/admin/users/${u.id}/roles`)
      .set(admin)
      .send({ roles: ['user', 'admin'] })
      .expect(200);
    expect(res.body).toMatchObject({ id: u.id, roles: ['user', 'admin'] });

    await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
    await request(t.http).get('/users/me').set(bearer(pair.accessToken)).expect(401);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    const again = await jwtLogin(t.http, u.email);
    expect(decodePart(again.accessToken, 1).roles).toEqual(['user', 'admin']);
    await request(t.http).get('/admin/users').set(bearer(again.accessToken)).expect(200);

    // And back: the new admin's token stops working for admin routes at once.
    await request(t.http)
      .put(`/admin/users/${u.id}/roles`)
      .set(admin)
      .send({ roles: ['user'] })
      .expect(200);
    await request(t.http).get('/admin/users').set(bearer(again.accessToken)).expect(401);
    const audit = await request(t.http)
      .get(`/users/me/activity`)
      .set(bearer((await jwtLogin(t.http, u.email)).accessToken))
      .expect(200);
    expect(
      (audit.body as { events: { type: string }[] }).events.filter((e) => e.type === 'user.roles_changed'),
    ).toHaveLength(2);
  });

  it('refuses to take the role from the last admin (409), and bad roles (400), changing nothing', async () => {
    const me = (await request(t.http).get('/users/me').set(admin).expect(200)).body as { id: string };
    const res = await request(t.http)
      .put(`/admin/users/${me.id}/roles`)
      .set(admin)
      .send({ roles: ['user'] })
      .expect(409);
    expect(res.body).toEqual({ statusCode: 409, message: 'At least one admin must remain', error: 'Conflict' });
    for (const roles of [[], ['root'], ['user', 'user'], 'admin', [1], null])
      await request(t.http).put(`/admin/users/${me.id}/roles`).set(admin).send({ roles }).expect(400);
    await request(t.http)
      .put(`/admin/users/${randomUUID()}/roles`)
      .set(admin)
      .send({ roles: ['user'] })
      .expect(404);
    // Still an admin, still signed in.
    await request(t.http).get('/admin/users').set(admin).expect(200);
  });

  it('the new admin routes answer 401 without a credential and 403 without the role', async () => {
    const u = await register(t.http);
    const user = bearer((await jwtLogin(t.http, u.email)).accessToken);
    await request(t.http).get('/admin/users').expect(401);
    await request(t.http).get('/admin/users').set(user).expect(403);
    await request(t.http)
      .put(`/admin/users/${u.id}/roles`)
      .set(user)
      .send({ roles: ['user', 'admin'] })
      .expect(403);
    await request(t.http).post(`/admin/users/${u.id}/unlock`).set(user).expect(403);
    const browser = await sessionLogin(t.http, ADMIN_EMAIL, ADMIN_PASSWORD);
    // Cookie admin without CSRF: 403.
    await request(t.http)
      .put(`/admin/users/${u.id}/roles`)
      .set('Cookie', browser.cookie)
      .send({ roles: ['user', 'admin'] })
      .expect(403);
    const me = await request(t.http).get('/users/me').set(user).expect(200);
    expect(me.body).toMatchObject({ roles: ['user'] });
  });
});
