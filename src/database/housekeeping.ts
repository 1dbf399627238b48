/**
 * A purge of expired rows (the embedded stores, the session registry, the audit trail), run on a
 * timer that does not keep the process alive, one run at a time. `stop()` waits for the run in
 * flight: the DataSource closes after module destroy, and a purge still queued then would run
 * against a closed database, or delete rows written after the module said it had stopped.
 */
export class Housekeeping {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  /** @param failed told the message of a run's failure; the next tick tries again. */
  constructor(
    private readonly task: () => Promise<unknown>,
    private readonly failed: (message: string) => void,
  ) {}

  /** Runs the task every `everyMs` from now on; a second call changes nothing. */
  start(everyMs: number): void {
    this.timer ??= setInterval(() => void this.run(), everyMs).unref();
  }

  /** Runs the task now unless a run is in flight; never rejects. */
  run(): Promise<void> {
    this.running ??= this.task()
      .then(
        () => undefined,
        (err: unknown) => {
          this.failed(err instanceof Error ? err.message : String(err));
        },
      )
      .finally(() => {
        this.running = undefined;
      });
    return this.running;
  }

  /** Stops the timer, then waits for the run in flight. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running;
  }
}
