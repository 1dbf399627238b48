import { Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import { randomInt } from 'node:crypto';

const MAX_DELAY_MS = 100;

/**
 * Work done after the answer has gone (mails on request), so an answer's body and timing never
 * depend on it. A failure is logged; shutdown waits for what is in flight.
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
    await Promise.all([...this.pending]);
  }
}
