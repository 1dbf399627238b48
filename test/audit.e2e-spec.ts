import { createHash } from 'node:crypto';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service.js';
import { AuthEvent } from '../src/audit/auth-event.entity.js';
import { PASSWORD, register } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

describe('Audit trail (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { AUDIT_RETENTION_DAYS: '1' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('purges events older than AUDIT_RETENTION_DAYS and keeps newer ones', async () => {
    const user = await register(t.http);
    await request(t.http).post('/auth/session/login').send({ email: user.email, password: PASSWORD }).expect(200);
    // Through the repository, not SQL: the spec runs on SQLite and on PostgreSQL (jest.config.js).
    const events = t.app.get(DataSource).getRepository(AuthEvent);
    const count = (): Promise<number> => events.countBy({ userId: user.id });
    const before = await count();
    expect(before).toBeGreaterThan(0);
    // One of them is made two days old.
    const oldest = await events.findOne({ where: { userId: user.id }, order: { id: 'ASC' } });
    await events.update(oldest!.id, { createdAt: new Date(Date.now() - 2 * 86_400_000) });
    const purged = await t.app.get(AuditService).purge();
    expect(purged).toBe(1);
    expect(await count()).toBe(before - 1);
  });

  it('a failed login keeps no submitted text: a known account by its id, an unknown email by a keyed hash only', async () => {
    const user = await register(t.http);
    const db = t.app.get(DataSource);
    const events = db.getRepository(AuthEvent);
    const from = (await events.find({ order: { id: 'DESC' }, take: 1 }))[0]?.id ?? 0;
    // A password typed into the email field, twice, an unknown address, and a known account's.
    const typedPassword = 'Hunter2-my-real-password@example.com';
    const unknown = 'nobody.here@example.com';
    for (const email of [typedPassword, typedPassword, unknown]) {
      await request(t.http).post('/auth/jwt/login').send({ email, password: 'wrong password!!' }).expect(401);
    }
    await request(t.http)
      .post('/auth/session/login')
      .send({ email: user.email.toUpperCase(), password: 'wrong password!!' })
      .expect(401);
    const rows = (await events.find({ order: { id: 'ASC' } })).filter((e) => e.id > from);
    const failures = rows.filter((e) => e.type === 'login.failure');
    expect(failures).toHaveLength(4);
    // The whole stored trail, as a dump would show it, holds none of the typed texts.
    const dump = JSON.stringify(await db.query('SELECT * FROM auth_events'));
    for (const text of [typedPassword, 'Hunter2', unknown, 'nobody.here', user.email]) {
      expect(dump.toLowerCase()).not.toContain(text.toLowerCase());
    }
    const [a, b, c, known] = failures;
    expect(a).toMatchObject({ userId: null, detail: { emailHmac: expect.stringMatching(/^[\w-]{43}$/) } });
    // One string, one pseudonym (repeated attempts show); another string, another.
    expect(b!.detail).toEqual(a!.detail);
    expect(c!.detail!.emailHmac).not.toBe(a!.detail!.emailHmac);
    // Not a plain (unkeyed) hash of the text either.
    const plain = createHash('sha256').update(typedPassword.toLowerCase()).digest('base64url');
    expect(a!.detail!.emailHmac).not.toBe(plain);
    expect(known).toMatchObject({ userId: user.id, detail: null });
  });

  it('a failure to write an event never fails the request that caused it', async () => {
    const user = await register(t.http);
    const db = t.app.get(DataSource);
    await db.query('ALTER TABLE auth_events RENAME TO auth_events_away');
    try {
      await request(t.http).post('/auth/session/login').send({ email: user.email, password: PASSWORD }).expect(200);
      await request(t.http)
        .post('/auth/jwt/login')
        .send({ email: user.email, password: 'wrong password!!' })
        .expect(401);
    } finally {
      await db.query('ALTER TABLE auth_events_away RENAME TO auth_events');
    }
  });
});
