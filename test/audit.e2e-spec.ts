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
