import type { LoadResult, LoadSpec } from '../load.js';
import type { RunContext } from './context.js';
import type { Bench } from './servers.js';

/** A load on one of the server's routes with the run's generator, connections and durations. */
export function loadSpec(
  ctx: RunContext,
  b: Bench,
  path: string,
  headers: Record<string, string>,
  extra: Partial<LoadSpec> = {},
): LoadSpec {
  return {
    tool: ctx.tool,
    url: `${b.proc.url}${path}`,
    headers,
    connections: ctx.settings.connections,
    durationSec: ctx.settings.duration,
    warmupSec: ctx.settings.warmup,
    ...extra,
  };
}

/** Everything but a 2xx, plus socket errors and timeouts. */
export function failures(r: LoadResult): number {
  const bad = Object.entries(r.status).reduce((n, [code, count]) => (code.startsWith('2') ? n : n + count), 0);
  return bad + r.errors + r.timeouts;
}
