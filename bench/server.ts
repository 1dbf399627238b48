/**
 * One server of the bench, started by `run.ts` (pinned with taskset when there are two cores).
 * It is the real `AppModule` configured exactly as `main.ts` configures it, on the HTTP adapter
 * `HTTP_ADAPTER` names (express or fastify), built through the testing module so that the baseline
 * (BENCH_BASELINE=1) can swap the global auth guard for one that attaches a fixed user: the same
 * construction for every case, one difference.
 *
 * Talks to the orchestrator over the IPC channel (lib/ipc.ts): `ready` with its port once
 * listening, `stats` (memory, event-loop delay and utilisation, CPU since the last reset) on
 * request. SIGTERM closes the app and exits 0, which also writes the CPU profile when started with
 * `--cpu-prof`.
 */
import 'reflect-metadata';
import { Test } from '@nestjs/testing';
import { AppModule } from '../src/app.module.js';
import { configureApp } from '../src/app.setup.js';
import { AuthModule } from '../src/auth/auth.module.js';
import { APP_OPTIONS, type AuthApp, createHttpAdapter } from '../src/common/http/platform.js';
import { lowerThreadpoolPriority } from '../src/common/threadpool-priority.js';
import { baselineAuthModule, setFixedUser } from './baseline-auth.module.js';
import { failedToStart, serveOrchestrator } from './lib/ipc.js';

async function main(): Promise<void> {
  let builder = Test.createTestingModule({ imports: [AppModule] });
  if (process.env.BENCH_BASELINE === '1') builder = builder.overrideModule(AuthModule).useModule(baselineAuthModule());
  const moduleRef = await builder.compile();
  // As main.ts does: the adapter is chosen (and the variable validated) before the app exists.
  const app = moduleRef.createNestApplication<AuthApp>(createHttpAdapter(), APP_OPTIONS);
  await configureApp(app);
  app.flushLogs();
  // listen() also readies Fastify (its plugins and hooks load then).
  await app.listen(0, '127.0.0.1');
  // As main.ts does.
  lowerThreadpoolPriority();
  const address = app.getHttpServer().address() as { port: number };
  serveOrchestrator({ port: address.port, close: () => app.close(), setFixedUser });
}

main().catch((err: unknown) => failedToStart('bench server', err));
