import type { RunContext } from './context.js';

/**
 * One measurement of the run (bench/sections/<name>.ts): run.ts starts the servers it names, runs
 * it in its place in the order and stores what it returns in the results.
 */
export interface Section<R, A extends unknown[] = []> {
  /** What `--only=` selects it by. */
  name: string;
  /** Logged when it starts (none: it logs its own progress). */
  title?: string;
  /** The ids (`ctx.servers.id(config)`) of the servers it measures: a partial run starts only these. */
  servers(ctx: RunContext): string[];
  /** Its results when a partial run (`--only`) leaves it out. */
  none: R;
  /** `args`: results of earlier sections it builds on (the storm's rate comes from the guard's figures). */
  run(ctx: RunContext, ...args: A): Promise<R>;
}
