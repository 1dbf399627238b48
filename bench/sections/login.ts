/**
 * (2) Logins: one at a time (the latency a user sees), then LOGIN_CONNECTIONS at once (the
 * throughput of the pinned core), for each style and store.
 */
import type { RunContext } from '../lib/context.js';
import { expectStatus, PASSWORD, send } from '../lib/http.js';
import { failures } from '../lib/loads.js';
import { LOGIN_CONNECTIONS, loginPath, loginStorm } from '../lib/logins.js';
import { runLoad } from '../lib/processes.js';
import type { LoginResult, Store } from '../lib/results.js';
import type { Section } from '../lib/section.js';
import { ensurePool } from '../lib/servers.js';
import { percentile, round } from '../lib/stats.js';

async function run(ctx: RunContext): Promise<LoginResult[]> {
  const S = ctx.settings;
  const out: LoginResult[] = [];
  const stores: Store[] = ctx.quick ? ['embedded'] : ['embedded', 'redis'];
  for (const store of stores) {
    const b = ctx.servers.of(`hs256-${store}`);
    if (!b) continue;
    await ensurePool(b, S.pool);
    for (const style of ['jwt', 'session'] as const) {
      const times: number[] = [];
      for (let i = 0; i < S.loginSeq; i++) {
        const u = b.pool[i % b.pool.length]!;
        const r = await expectStatus(
          send(b.proc.url, 'POST', loginPath(style), { json: { email: u.email, password: PASSWORD } }),
          200,
          `login ${style}`,
        );
        times.push(r.ms);
      }
      times.sort((a, c) => a - c);
      const r = await runLoad(loginStorm(b, style, S.loginDuration), ctx.pin.load);
      const ok = r.status['200'] ?? 0;
      const row: LoginResult = {
        style,
        store,
        sequential: {
          count: times.length,
          p50Ms: round(percentile(times, 50), 2),
          p90Ms: round(percentile(times, 90), 2),
        },
        concurrent: {
          connections: LOGIN_CONNECTIONS,
          durationSec: r.durationSec,
          loginsPerSec: round(ok / r.durationSec, 1),
          p50Ms: r.latencyMs.p50,
          p99Ms: r.latencyMs.p99,
          failures: failures(r),
        },
      };
      ctx.log(
        `  login ${style}/${store}: one at a time p50 ${row.sequential.p50Ms} ms; ${LOGIN_CONNECTIONS} at once ${row.concurrent.loginsPerSec}/s p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms`,
      );
      out.push(row);
    }
  }
  return out;
}
export const loginSection: Section<LoginResult[]> = {
  name: 'login',
  title: 'logins',
  servers: (ctx) => [ctx.servers.id('hs256-embedded'), ctx.servers.id('hs256-redis')],
  none: [],
  run,
};
