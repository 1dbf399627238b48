import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { TypeOrmModule } from '@nestjs/typeorm';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource, type DataSourceOptions } from 'typeorm';
import { dataSourceOptions } from '../../database/data-source-options.js';
import { RefreshToken } from './refresh-token.entity.js';
import { RefreshTokenModule } from './refresh-token.module.js';
import { RefreshTokenService, type RotateResult } from './refresh-token.service.js';

/**
 * Runs on a real SQLite file, and on PostgreSQL too when TEST_POSTGRES_URL is set (e.g.
 * postgres://postgres@127.0.0.1:5432/test): there in a fresh schema, created and dropped here.
 */
interface Backend {
  name: string;
  /** The app's own options (migrations run) for a fresh, empty database. */
  open(): Promise<{ options: DataSourceOptions; files: string[]; cleanup: () => Promise<void> }>;
}

const sqlite: Backend = {
  name: 'sqlite',
  open() {
    const dir = mkdtempSync(join(tmpdir(), 'refresh-tokens-'));
    const file = join(dir, 'auth.sqlite');
    const options = dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file });
    return Promise.resolve({
      options,
      files: [file, `${file}-wal`],
      cleanup: () => Promise.resolve(rmSync(dir, { recursive: true, force: true })),
    });
  },
};

const PG_URL = process.env.TEST_POSTGRES_URL;
const postgres: Backend = {
  name: 'postgres',
  async open() {
    const url = PG_URL ?? '';
    const schema = `refresh_test_${randomUUID().replaceAll('-', '')}`;
    // A bare connection (no entities, no migrations) owns the schema's life.
    const admin = await new DataSource({ type: 'postgres', url }).initialize();
    await admin.query(`CREATE SCHEMA "${schema}"`);
    const base = dataSourceOptions({ kind: 'postgres', url });
    if (base.type !== 'postgres') throw new Error('expected postgres options');
    return {
      options: { ...base, schema },
      files: [],
      cleanup: async () => {
        try {
          await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
        } finally {
          await admin.destroy();
        }
      },
    };
  },
};

const backends = PG_URL ? [sqlite, postgres] : [sqlite];

/** The sign-in time every family here starts with: each successor must carry it. */
const AUTH_TIME = 1_795_339_000_123;
const DAY = 24 * 60 * 60_000;
const inDays = (days: number, from = Date.now()): Date => new Date(from + days * DAY);
const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

describe.each(backends)('RefreshTokenService on $name', (backend) => {
  let ds: DataSource;
  let service: RefreshTokenService;
  let files: string[];
  let options: DataSourceOptions;
  let cleanup: () => Promise<void>;

  beforeAll(async () => {
    ({ options, files, cleanup } = await backend.open());
    ds = await new DataSource(options).initialize();
    service = new RefreshTokenService(ds.getRepository(RefreshToken));
  });

  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await cleanup?.();
  });

  /** A fresh user and family, so tests never see each other's rows. */
  const family = () => ({ userId: randomUUID(), familyId: randomUUID() });
  const rowsOf = (familyId: string) =>
    ds.getRepository(RefreshToken).find({ where: { familyId }, order: { createdAt: 'ASC' } });

  it('leaves no pending schema change after the migrations', async () => {
    const pending = await ds.driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((q) => q.query).filter((q) => q.includes('refresh_tokens'))).toEqual([]);
  });

  it('issues 256-bit base64url tokens and stores only their SHA-256', async () => {
    const f = family();
    const a = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });
    const b = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });
    expect(a.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.token, 'base64url')).toHaveLength(32);
    expect(a.token).not.toBe(b.token);

    const row = await ds.getRepository(RefreshToken).findOneByOrFail({ id: a.id });
    expect(row).toMatchObject({ tokenHash: sha256(a.token), ...f, parentId: null, usedAt: null, revokedAt: null });
    expect(row.expiresAt.getTime()).toBe(a.expiresAt.getTime());

    // Nothing in the table, nor (on SQLite) anywhere in the database files, holds the token text.
    const everything = JSON.stringify(await ds.getRepository(RefreshToken).find());
    expect(everything).toContain(sha256(a.token));
    expect(everything).not.toContain(a.token);
    expect(everything).not.toContain(b.token);
    for (const file of files.filter((p) => existsSync(p))) {
      const bytes = readFileSync(file);
      expect(bytes.includes(a.token)).toBe(false);
      expect(bytes.includes(b.token)).toBe(false);
    }
  });

  it('rotates once; the spent token presented again revokes the family, newest token included', async () => {
    const f = family();
    const first = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });

    const rotated = await service.rotate(first.token);
    expect(rotated).toEqual({ outcome: 'rotated', ...f, parentId: first.id, authTime: AUTH_TIME });
    const second = await service.issue({ ...f, authTime: AUTH_TIME, parentId: first.id, expiresAt: inDays(14) });

    expect(await service.rotate(first.token)).toEqual({ outcome: 'reused', ...f });
    expect(await service.rotate(second.token)).toEqual({ outcome: 'invalid' });

    const rows = await rowsOf(f.familyId);
    expect(rows.map((r) => r.id)).toEqual([first.id, second.id]);
    expect(rows[1]?.parentId).toBe(first.id);
    expect(rows.every((r) => r.revokedAt instanceof Date)).toBe(true);
    // Presenting it yet again changes nothing and no longer counts as a fresh detection.
    expect(await service.rotate(first.token)).toEqual({ outcome: 'invalid' });
  });

  it('lets the successor rotate in turn', async () => {
    const f = family();
    const first = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });
    const r1 = await service.rotate(first.token);
    expect(r1.outcome).toBe('rotated');
    const second = await service.issue({ ...f, authTime: AUTH_TIME, parentId: first.id, expiresAt: inDays(14) });
    expect(await service.rotate(second.token)).toEqual({
      outcome: 'rotated',
      ...f,
      parentId: second.id,
      authTime: AUTH_TIME,
    });
  });

  it('of 8 concurrent rotations of one token, exactly one wins', async () => {
    // A second data source is a second connection (pool) on the same database: the race crosses them.
    const other = await new DataSource(options).initialize();
    try {
      const services = [service, new RefreshTokenService(other.getRepository(RefreshToken))];
      const f = family();
      const issued = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });
      const results: RotateResult[] = await Promise.all(
        Array.from({ length: 8 }, (_, i) => services[i % 2]!.rotate(issued.token)),
      );
      expect(results.filter((r) => r.outcome === 'rotated')).toEqual([
        { outcome: 'rotated', ...f, parentId: issued.id, authTime: AUTH_TIME },
      ]);
      // The losers raced the winner before it issued the next token: refused, and the family the
      // winner continues is not ended (api.md: exactly one of racing refreshes succeeds).
      const losers = results.filter((r) => r.outcome !== 'rotated');
      expect(losers.every((r) => r.outcome === 'invalid')).toBe(true);
      const [row] = await rowsOf(f.familyId);
      expect(row?.usedAt).toBeInstanceOf(Date);
      expect(row?.revokedAt).toBeNull();
      // Once the winner's successor exists, the spent token presented again is reuse: the family ends.
      const next = await service.issue({ ...f, authTime: AUTH_TIME, parentId: issued.id, expiresAt: inDays(14) });
      expect(await services[1]!.rotate(issued.token)).toEqual({ outcome: 'reused', ...f });
      expect(await service.rotate(next.token)).toEqual({ outcome: 'invalid' });
    } finally {
      await other.destroy();
    }
  });

  it('refuses an expired token without spending or revoking it', async () => {
    const f = family();
    const expiresAt = inDays(1);
    const issued = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt });
    expect(await service.rotate(issued.token, new Date(expiresAt.getTime() + 1000))).toEqual({ outcome: 'invalid' });
    // Expiry is exclusive: at the very instant it is already refused.
    expect(await service.rotate(issued.token, expiresAt)).toEqual({ outcome: 'invalid' });
    const [row] = await rowsOf(f.familyId);
    expect(row).toMatchObject({ usedAt: null, revokedAt: null });
    // Still valid a moment before.
    expect((await service.rotate(issued.token, new Date(expiresAt.getTime() - 1000))).outcome).toBe('rotated');
  });

  it('refuses every token of a revoked family, and only that family', async () => {
    const f = family();
    const a = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });
    const b = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });
    const other = await service.issue({ ...family(), authTime: AUTH_TIME, expiresAt: inDays(14) });

    await service.revokeFamily(f.familyId);
    expect(await service.rotate(a.token)).toEqual({ outcome: 'invalid' });
    expect(await service.rotate(b.token)).toEqual({ outcome: 'invalid' });
    expect((await service.rotate(other.token)).outcome).toBe('rotated');
    expect((await rowsOf(f.familyId)).every((r) => r.usedAt === null && r.revokedAt instanceof Date)).toBe(true);
  });

  it('refuses a token issued into a family after it was revoked (a rotation racing a reuse)', async () => {
    const f = family();
    const first = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(14) });
    expect((await service.rotate(first.token)).outcome).toBe('rotated');
    await service.revokeFamily(f.familyId);
    // The winner of the rotation issues its child only now, after the family was revoked.
    const late = await service.issue({ ...f, authTime: AUTH_TIME, parentId: first.id, expiresAt: inDays(14) });
    expect(await service.rotate(late.token)).toEqual({ outcome: 'invalid' });
    // ...and the stray row is marked revoked too.
    expect((await rowsOf(f.familyId)).every((r) => r.revokedAt instanceof Date)).toBe(true);
  });

  it('answers garbage with invalid without touching the database', async () => {
    // A service whose connection is closed: any query would throw.
    const closed = await new DataSource(options).initialize();
    const offline = new RefreshTokenService(closed.getRepository(RefreshToken));
    await closed.destroy();

    const valid = 'A'.repeat(43);
    const garbage: unknown[] = [
      '',
      'abc',
      'A'.repeat(42),
      'A'.repeat(44),
      `${'A'.repeat(42)}=`,
      `${'A'.repeat(42)}+`,
      `${'A'.repeat(42)}/`,
      `${'A'.repeat(42)} `,
      `${'A'.repeat(42)}\n`,
      'é'.repeat(43),
      'A'.repeat(201),
      'A'.repeat(100_000),
      undefined,
      null,
      42,
      { toString: () => valid },
      [valid],
    ];
    for (const input of garbage) {
      expect(await offline.rotate(input as string)).toEqual({ outcome: 'invalid' });
      expect(await service.rotate(input as string)).toEqual({ outcome: 'invalid' });
    }
    // The same service does reach the database for a well-formed token: the check above is real.
    await expect(offline.rotate(valid)).rejects.toThrow();
    // A well-formed but unknown token is simply invalid.
    expect(await service.rotate(valid)).toEqual({ outcome: 'invalid' });
  });

  it('purges rows a day past expiry, but keeps spent rows while their family lives', async () => {
    const now = Date.now();
    const repo = ds.getRepository(RefreshToken);

    const dead = family();
    const deadA = await service.issue({ ...dead, authTime: AUTH_TIME, expiresAt: inDays(-3, now) });
    const deadB = await service.issue({ ...dead, authTime: AUTH_TIME, parentId: deadA.id, expiresAt: inDays(-2, now) });

    // Expiry slides with each rotation: the old spent row is long expired, its child is live.
    const living = family();
    const oldSpent = await service.issue({ ...living, authTime: AUTH_TIME, expiresAt: inDays(-5, now) });
    await repo.update({ id: oldSpent.id }, { usedAt: inDays(-6, now) });
    const child = await service.issue({
      ...living,
      authTime: AUTH_TIME,
      parentId: oldSpent.id,
      expiresAt: inDays(10, now),
    });

    // Expired, but less than a day ago.
    const recent = family();
    const recentA = await service.issue({ ...recent, authTime: AUTH_TIME, expiresAt: new Date(now - 60 * 60_000) });

    const deleted = await service.purgeExpired(new Date(now));
    expect(deleted).toBeGreaterThanOrEqual(2);
    const left = new Set((await repo.find({ select: { id: true } })).map((r) => r.id));
    expect(left.has(deadA.id)).toBe(false);
    expect(left.has(deadB.id)).toBe(false);
    expect(left.has(oldSpent.id)).toBe(true);
    expect(left.has(child.id)).toBe(true);
    expect(left.has(recentA.id)).toBe(true);

    // The kept spent row still reveals a replay.
    expect(await service.rotate(oldSpent.token, new Date(now))).toEqual({ outcome: 'reused', ...living });
    expect(await service.rotate(child.token, new Date(now))).toEqual({ outcome: 'invalid' });
  });

  it('wires through RefreshTokenModule and purges at start-up', async () => {
    const f = family();
    const stale = await service.issue({ ...f, authTime: AUTH_TIME, expiresAt: inDays(-2) });
    const moduleRef = await Test.createTestingModule({
      imports: [TypeOrmModule.forRoot({ ...options, migrationsRun: false }), RefreshTokenModule],
    }).compile();
    const app = moduleRef.createNestApplication({ logger: false });
    await app.init();
    const fromModule = app.get(RefreshTokenService);
    const fresh = await fromModule.issue({ ...family(), authTime: AUTH_TIME, expiresAt: inDays(1) });
    expect((await fromModule.rotate(fresh.token)).outcome).toBe('rotated');
    // close() awaits the start-up purge still in flight, then clears the timer.
    await app.close();
    expect(await ds.getRepository(RefreshToken).findOneBy({ id: stale.id })).toBeNull();
  });
});
