/**
 * One server of the bench, started by `run.ts` (pinned with taskset when there are two cores).
 * It is the real `AppModule` configured exactly as `main.ts` configures it, built through the
 * testing module so that the baseline (BENCH_BASELINE=1) can swap the global auth guard for one
 * that attaches a fixed user: the same construction for every case, one difference.
 *
 * Talks to the orchestrator over the IPC channel: `ready` with its port once listening, `stats`
 * (memory, event-loop delay and utilisation since the last reset) on request. SIGTERM closes the
 * app and exits 0, which also writes the CPU profile when started with `--cpu-prof`.
 */
import 'reflect-metadata';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { Test } from '@nestjs/testing';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { AppModule } from '../src/app.module.js';
import { configureApp } from '../src/app.setup.js';
import { AuthModule } from '../src/auth/auth.module.js';
import { baselineAuthModule, setFixedUser } from './baseline-auth.module.js';

export type ToServer = { t: 'fixed-user'; id: string } | { t: 'stats'; reset: boolean } | { t: 'mark' };
export type FromServer =
  | { t: 'ready'; port: number }
  | { t: 'fixed-user-set' }
  | { t: 'stats'; stats: ServerStats }
  /** The monotonic clock in µs, the clock of the CPU profile's samples. */
  | { t: 'mark'; us: number }
  | { t: 'failed'; message: string };

export interface ServerStats {
  rssBytes: number;
  heapUsedBytes: number;
  /** Event-loop delay since the last reset, ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  /** Share of the time the event loop was busy since the last reset (0..1). */
  eventLoopUtilization: number;
  /** CPU time of the whole process (every thread) since the last reset, µs. */
  cpuUs: number;
}

const send = (m: FromServer): void => {
  process.send?.(m);
};

async function main(): Promise<void> {
  let builder = Test.createTestingModule({ imports: [AppModule] });
  if (process.env.BENCH_BASELINE === '1') builder = builder.overrideModule(AuthModule).useModule(baselineAuthModule());
  const moduleRef = await builder.compile();
  const app = moduleRef.createNestApplication<NestExpressApplication>({ bodyParser: false, bufferLogs: true });
  configureApp(app);
  app.flushLogs();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };

  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  process.on('message', (m: ToServer) => {
    if (m.t === 'mark') {
      send({ t: 'mark', us: Number(process.hrtime.bigint() / 1000n) });
    } else if (m.t === 'fixed-user') {
      setFixedUser(m.id);
      send({ t: 'fixed-user-set' });
    } else if (m.t === 'stats') {
      const mem = process.memoryUsage();
      const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
      const used = performance.eventLoopUtilization(elu);
      const cpuUsed = process.cpuUsage(cpu);
      send({
        t: 'stats',
        stats: {
          rssBytes: mem.rss,
          heapUsedBytes: mem.heapUsed,
          eventLoopDelayMs: { p50: ms(delay.percentile(50)), p99: ms(delay.percentile(99)), max: ms(delay.max) },
          eventLoopUtilization: Math.round(used.utilization * 1000) / 1000,
          cpuUs: cpuUsed.user + cpuUsed.system,
        },
      });
      if (m.reset) {
        delay.reset();
        elu = performance.eventLoopUtilization();
        cpu = process.cpuUsage();
      }
    }
  });
  let stopping = false;
  process.once('SIGTERM', () => {
    if (stopping) return;
    stopping = true;
    delay.disable();
    setTimeout(() => process.exit(1), 10_000).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  // The orchestrator going away (killed, crashed) must not leave a server behind.
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  send({ t: 'ready', port: address.port });
}

main().catch((err: unknown) => {
  send({ t: 'failed', message: err instanceof Error ? (err.stack ?? err.message) : String(err) });
  process.stderr.write(`bench server failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
