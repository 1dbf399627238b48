import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../database/data-source-options.js';
import { User } from './user.entity.js';
import { compileFindById } from './user-by-id.js';

/** Whatever the driver, the compiled read returns exactly what the repository returns. */
async function sameAsRepository(ds: DataSource): Promise<void> {
  const repo = ds.getRepository(User);
  const findById = compileFindById(repo);
  const saved = await repo.save(
    repo.create({
      email: `u-${Date.now()}@example.com`,
      passwordHash: 'h',
      displayName: null,
      roles: ['user', 'admin'],
    }),
  );
  const expected = await repo.findOneBy({ id: saved.id });
  const actual = await findById(saved.id);
  expect(actual).toBeInstanceOf(User);
  expect(actual).toEqual(expected);
  expect(actual?.roles).toEqual(['user', 'admin']);
  expect(actual?.createdAt).toBeInstanceOf(Date);
  expect(actual?.createdAt.getTime()).toBe(expected?.createdAt.getTime());
  // Never the hash, as the repository never selects it.
  expect(actual?.passwordHash).toBeUndefined();
  expect(await findById('00000000-0000-4000-8000-000000000000')).toBeNull();
}

describe('compileFindById', () => {
  it('reads a user as the repository does, on SQLite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'user-by-id-'));
    const file = join(dir, 'auth.sqlite');
    const ds = await new DataSource(
      dataSourceOptions({ kind: 'sqlite', url: `sqlite:${file}`, sqlitePath: file }),
    ).initialize();
    try {
      await sameAsRepository(ds);
    } finally {
      await ds.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const postgresUrl = process.env.TEST_POSTGRES_URL;
  // Runs when given a server (as jest.config.js gives one), in a database of its own.
  if (postgresUrl)
    it('reads a user as the repository does, on PostgreSQL (TEST_POSTGRES_URL)', async () => {
      const dbName = `user_by_id_${Date.now()}`;
      const admin = await new DataSource({ type: 'postgres', url: postgresUrl }).initialize();
      await admin.query(`CREATE DATABASE "${dbName}"`);
      const url = new URL(postgresUrl);
      url.pathname = `/${dbName}`;
      const ds = await new DataSource(dataSourceOptions({ kind: 'postgres', url: url.toString() })).initialize();
      try {
        await sameAsRepository(ds);
      } finally {
        await ds.destroy();
        await admin.query(`DROP DATABASE "${dbName}"`);
        await admin.destroy();
      }
    });
});
