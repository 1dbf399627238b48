import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test, type TestingModuleBuilder } from '@nestjs/testing';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from 'supertest/types.js';
import { AppModule } from '../../src/app.module.js';
import { configureApp } from '../../src/app.setup.js';
import { Env } from '../../src/config/env.js';

export interface TestApp {
  app: NestExpressApplication;
  /** The HTTP server, for supertest. */
  http: App;
  /** Folder of this app's SQLite file and generated secrets; pass it again to "restart" on the same data. */
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
}

const KNOWN_VARS = [
  ...Object.keys(new Env()),
  'REDIS_URL',
  'JWT_SECRET',
  'JWT_KEYS_DIR',
  'SESSION_SECRET',
  'COOKIE_SECURE',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'DOCS_ENABLED',
];

export function newDataDir(): string {
  return mkdtempSync(join(tmpdir(), 'auth-test-'));
}

/** Sets the environment the next app is built with: nothing leaks in from the shell running the tests. */
export function setTestEnv(env: Record<string, string>, dataDir: string): void {
  for (const key of KNOWN_VARS) delete process.env[key];
  Object.assign(
    process.env,
    { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: `sqlite:${join(dataDir, 'auth.sqlite')}` },
    env,
  );
}

/**
 * The real `AppModule`, in-process, on a fresh SQLite database (one per call unless `dataDir` is
 * given), configured exactly as `main.ts` configures it.
 */
export async function createTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const dataDir = options.dataDir ?? newDataDir();
  setTestEnv(options.env ?? {}, dataDir);
  let builder = Test.createTestingModule({ imports: [AppModule] });
  if (options.customize) builder = options.customize(builder);
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
  configureApp(app);
  await app.init();
  return { app, http: app.getHttpServer() as App, dataDir, close: () => app.close() };
}
