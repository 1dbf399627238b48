/**
 * The channel between the orchestrator (`run.ts`, through `ServerProcess`) and a bench server,
 * whichever it is: the Nest app (`server.ts`), the raw node:http one (`raw-http.ts`) or Nest alone
 * (`bare-nest.ts`). All answer the same messages, so the orchestrator measures them alike (the
 * server's CPU per request, its event loop, the clock of its CPU profile). This file imports
 * nothing of the app: the raw server must load no more than node:http.
 */
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

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

export const sendToOrchestrator = (m: FromServer): void => {
  process.send?.(m);
};

/**
 * Answers the orchestrator's messages, tells it `ready` with the port, and closes on SIGTERM (exit
 * 0, which also writes the CPU profile when started with `--cpu-prof`) or when the orchestrator
 * goes away (killed, crashed: no server is left behind).
 */
export function serveOrchestrator(options: {
  port: number;
  close: () => Promise<unknown>;
  setFixedUser?: (id: string) => void;
}): void {
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  let elu = performance.eventLoopUtilization();
  let cpu = process.cpuUsage();
  process.on('message', (m: ToServer) => {
    if (m.t === 'mark') {
      sendToOrchestrator({ t: 'mark', us: Number(process.hrtime.bigint() / 1000n) });
    } else if (m.t === 'fixed-user') {
      options.setFixedUser?.(m.id);
      sendToOrchestrator({ t: 'fixed-user-set' });
    } else if (m.t === 'stats') {
      const mem = process.memoryUsage();
      const ms = (ns: number): number => Math.round(ns / 1e4) / 100;
      const used = performance.eventLoopUtilization(elu);
      const cpuUsed = process.cpuUsage(cpu);
      sendToOrchestrator({
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
    options.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
  process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
  sendToOrchestrator({ t: 'ready', port: options.port });
}

/** Reports a server that could not start, to the orchestrator and to its log, and exits 1. */
export function failedToStart(what: string, err: unknown): never {
  const text = err instanceof Error ? (err.stack ?? err.message) : String(err);
  sendToOrchestrator({ t: 'failed', message: text });
  process.stderr.write(`${what} failed: ${text}\n`);
  process.exit(1);
}
