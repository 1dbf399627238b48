import 'reflect-metadata';
import type { Type } from '@nestjs/common';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'supertest/types.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { APP_OPTIONS, type AuthApp, createHttpAdapter, initApp } from '../../src/common/http/platform.js';
import { ENV_VARIABLES } from '../../src/config/env.js';
import { persistedSecret } from '../../src/config/secrets.js';
import { adapterEnv } from './adapter.js';
import { createSchema, dropSchema, onPostgres, schemaUrl } from './postgres.js';

export interface TestApp {
  app: AuthApp;
  /** The HTTP server, for supertest. */
  http: App;
  /**
   * Folder of this app's SQLite file and generated secrets; pass it again to "restart" on the same
   * data (on PostgreSQL, the same schema).
   */
  dataDir: string;
  close(): Promise<void>;
}

export interface TestAppOptions {
  /** Environment variables for this app, on top of the test defaults. */
  env?: Record<string, string>;
  /** Reuse the data folder of an earlier app (a restart). */
  dataDir?: string;
  /** Adjust the testing module, e.g. to override a provider. */
  customize?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
  /** Modules to load beside `AppModule`, as a deployment adds its own (e.g. a session kind). */
  imports?: Type[];
}

const KNOWN_VARS = ENV_VARIABLES;

export { adapterEnv, testAdapter } from './adapter.js';

/**
 * A fresh folder under the system's temporary folder, removed when the test file is done (below),
 * not when an app closes: an app "restarted" on the same data folder needs it after the first closes.
 */
export function newTempDir(prefix = 'auth-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}

export const newDataDir = (): string => newTempDir();

/** Sets the environment the next app is built with: nothing leaks in from the shell running the tests. */
export function setTestEnv(env: Record<string, string>, dataDir: string): void {
  for (const key of KNOWN_VARS) delete process.env[key];
  Object.assign(
    process.env,
    {
      NODE_ENV: 'test',
      LOG_LEVEL: 'silent',
      DATABASE_URL: `sqlite:${join(dataDir, 'auth.sqlite')}`,
      // Every test client is 127.0.0.1: the per-IP login and sign-up limits are lifted unless a test
      // sets them (test/security/ and test/account/ do, to prove them).
      LOGIN_RATE_PER_IP: '100000',
      REGISTER_RATE_PER_IP: '100000',
      ...adapterEnv(),
    },
    env,
  );
}

/**
 * The real `AppModule`, in-process, on a fresh database (one per call unless `dataDir` is given),
 * configured exactly as `main.ts` configures it: a SQLite file in `dataDir`, or, in the
 * `e2e-postgres` jest project, a schema of its own on the test PostgreSQL server.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? newDataDir();
  const env =
    onPostgres && !options.env?.DATABASE_URL
      ? { ...(await postgresEnv(dataDir)), ...options.env }
      : (options.env ?? {});
  setTestEnv(env, dataDir);
  let builder = Test.createTestingModule({ imports: [AppModule, ...(options.imports ?? [])] });
  if (options.customize) builder = options.customize(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<AuthApp>(createHttpAdapter(), APP_OPTIONS);
  await configureApp(app);
  await initApp(app);
  // Idempotent, so the schemas can be dropped after closing whatever a file left open (below).
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    openApps.delete(close);
    return (closing ??= app.close());
  };
  openApps.add(close);
  return { app, http: app.getHttpServer() as App, dataDir, close };
}

/** On PostgreSQL: the schema of this data folder (made on first use), and secrets kept in the folder. */
const schemas = new Map<string, string>();
const openApps = new Set<() => Promise<void>>();
const tempDirs = new Set<string>();

async function postgresEnv(dataDir: string): Promise<Record<string, string>> {
  let schema = schemas.get(dataDir);
  if (!schema) {
    schema = await createSchema();
    schemas.set(dataDir, schema);
  }
  return {
    DATABASE_URL: schemaUrl(schema),
    // Without a SQLite file, the app would keep its generated secrets in ./data, shared by every
    // test file at once; these stay with the data folder, so a "restart" keeps them as on SQLite.
    JWT_SECRET: persistedSecret(dataDir, 'jwt-secret'),
    SESSION_SECRET: persistedSecret(dataDir, 'session-secret'),
  };
}

// Registered when a spec file imports this module, so it runs once that file is done: jest runs
// the root's afterAll hooks after those of the file's describe blocks, hence the apps a file still
// has open are closed here first, then its schemas dropped and its folders removed.
afterAll(async () => {
  await Promise.all([...openApps].map((close) => close()));
  for (const schema of schemas.values()) await dropSchema(schema);
  schemas.clear();
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
});
