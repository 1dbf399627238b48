import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomInt } from 'node:crypto';

const MAX_DELAY_MS = 100;
/** Shutdown waits this long for work in flight, well inside a usual 30 s stop grace period. */
export const DRAIN_MS = 10_000;

/**
 * Work done after the answer has gone (mails on request), so an answer's body and timing never
 * depend on it. A failure is logged; shutdown waits for what is in flight, up to DRAIN_MS.
 */
@Injectable()
export class Background implements OnModuleDestroy {
  private readonly logger = new Logger(Background.name);
  private readonly pending = new Set<Promise<void>>();

  run(what: string, task: () => Promise<void>): void {
    // Started after a random delay of up to 100 ms, so the work a known email causes does not
    // line up with the requests that follow it (a load side channel `npm run bench` measured).
    const p: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, randomInt(MAX_DELAY_MS)))
      .then(task)
      .catch((err: unknown) =>
        this.logger.error({ err: err instanceof Error ? err.message : String(err) }, `${what} failed`),
      )
      .finally(() => this.pending.delete(p));
    this.pending.add(p);
  }

  async onModuleDestroy(): Promise<void> {
    if (this.pending.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(resolve, DRAIN_MS, 'late')));
    const ended = await Promise.race([Promise.all([...this.pending]), late]);
    clearTimeout(timer);
    if (ended === 'late') this.logger.warn({ tasks: this.pending.size }, 'Shutdown did not wait for background work');
  }
}
