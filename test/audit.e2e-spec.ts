import request from 'supertest';
import { DataSource } from 'typeorm';
import { AuditService } from '../src/audit/audit.service.js';
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
    const db = t.app.get(DataSource);
    const count = async (): Promise<number> => Number(((await db.query('SELECT COUNT(*) AS n FROM auth_events WHERE "userId" = ?', [user.id])) as { n: number }[])[0]!.n);
    const before = await count();
    expect(before).toBeGreaterThan(0);
    // One of them is made two days old.
    await db.query(`UPDATE auth_events SET "createdAt" = datetime('now', '-2 days') WHERE id = (SELECT MIN(id) FROM auth_events WHERE "userId" = ?)`, [user.id]);
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
      await request(t.http).post('/auth/jwt/login').send({ email: user.email, password: 'wrong password!!' }).expect(401);
    } finally {
      await db.query('ALTER TABLE auth_events_away RENAME TO auth_events');
    }
  });
});
