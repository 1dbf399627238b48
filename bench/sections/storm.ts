/**
 * (2b) Guarded latency during a login storm: guarded `GET /users/me` at a fixed rate, alone and
 * while LOGIN_CONNECTIONS logins run at once on the same server, with the server's event-loop delay.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadResult, LoadSpec } from '../load.js';
import type { RunContext } from '../lib/context.js';
import { bearer, cookie } from '../lib/http.js';
import { failures } from '../lib/loads.js';
import { LOGIN_CONNECTIONS, loginStorm } from '../lib/logins.js';
import { runLoad } from '../lib/processes.js';
import type { GuardCase, StormPhase, StormResult, Style } from '../lib/results.js';
import type { Section } from '../lib/section.js';
import { type Bench, ensurePool } from '../lib/servers.js';
import { round } from '../lib/stats.js';

export const STORM_GUARDED_CONNECTIONS = 10;
/** The guarded load during the storm runs at this share of the case's measured capacity. */
export const STORM_RATE_SHARE = 0.1;

export interface StormRun {
  row: StormResult;
  /** The storm phase's window on the server's clock, and the requests (guarded + logins) in it. */
  window: { from: number; to: number; requests: number };
}

/** Guarded requests at a fixed rate, alone, then while LOGIN_CONNECTIONS logins run at once. */
export async function stormOnce(
  ctx: RunContext,
  b: Bench,
  style: Style,
  caseId: string,
  rate: number,
): Promise<StormRun> {
  const S = ctx.settings;
  const headers = style === 'jwt' ? bearer(b.jwt!.accessToken) : cookie(b.session!.cookie);
  const guarded: LoadSpec = {
    tool: 'paced',
    url: `${b.proc.url}/users/me`,
    headers,
    connections: STORM_GUARDED_CONNECTIONS,
    durationSec: S.stormDuration,
    warmupSec: S.stormWarmup,
    rate,
    timeoutSec: 30,
  };
  const phase = (
    r: LoadResult,
    st: { eventLoopDelayMs: { p99: number; max: number }; eventLoopUtilization: number },
  ): StormPhase => ({
    rps: r.rps,
    eventLoopUtilization: st.eventLoopUtilization,
    p50Ms: r.latencyMs.p50,
    p99Ms: r.latencyMs.p99,
    maxMs: r.latencyMs.max,
    eventLoopDelayP99Ms: st.eventLoopDelayMs.p99,
    eventLoopDelayMaxMs: st.eventLoopDelayMs.max,
    failures: failures(r),
  });
  // Each phase's load process warms up first (Settings.stormWarmup); the server's figures and the
  // storm's window start when its measured run does.
  const guardedPhase = async (): Promise<{ r: LoadResult; from: number }> => {
    const state: { started?: Promise<number> } = {};
    const r = await runLoad(guarded, ctx.pin.load, () => {
      state.started = b.proc.stats(true).then(() => b.proc.mark());
    });
    if (!state.started) throw new Error('bench: a storm phase never started its measured run');
    return { r, from: await state.started };
  };
  const quiet = phase((await guardedPhase()).r, await b.proc.stats(true));
  const stormRun = runLoad(loginStorm(b, style, S.stormWarmup + S.stormDuration + 2.5), ctx.pin.load, undefined, {
    background: true,
  });
  await sleep(1500);
  const { r: underStorm, from } = await guardedPhase();
  const to = await b.proc.mark();
  const storm = phase(underStorm, await b.proc.stats(true));
  const logins = await stormRun;
  const loginsPerSec = round((logins.status['200'] ?? 0) / logins.durationSec, 1);
  return {
    row: {
      caseId,
      style,
      store: b.def.store,
      rate,
      loginConnections: LOGIN_CONNECTIONS,
      quiet,
      storm,
      loginsPerSecDuringStorm: loginsPerSec,
      p99Ratio: round(storm.p99Ms / quiet.p99Ms, 2),
    },
    window: { from, to, requests: underStorm.requests + Math.round((loginsPerSec * (to - from)) / 1e6) },
  };
}

/** The pair with the median p99 ratio (the lower middle of an even count), with every pair listed. */
export function medianPair(rows: StormResult[]): StormResult {
  const byRatio = [...rows].sort((a, b) => a.p99Ratio - b.p99Ratio);
  const median = byRatio[Math.floor((byRatio.length - 1) / 2)];
  if (!median) throw new Error('bench: a storm ran no pair of phases');
  const pairs = rows.map((r) => ({ quietP99Ms: r.quiet.p99Ms, stormP99Ms: r.storm.p99Ms, p99Ratio: r.p99Ratio }));
  return { ...median, pairs };
}

export const stormCaseId = (style: Style): string => (style === 'jwt' ? 'jwt-hs256-embedded' : 'session-embedded');

/** The storm's guarded rate: a share of the case's req/s in the guard section (1000 when not measured). */
export function stormRate(ctx: RunContext, guard: GuardCase[], style: Style): number {
  const capacity = guard.find((g) => g.id === stormCaseId(style) && g.adapter === ctx.primary)?.rps ?? 1000;
  return Math.max(20, Math.round(capacity * STORM_RATE_SHARE));
}

async function run(ctx: RunContext, guard: GuardCase[]): Promise<StormResult[]> {
  const out: StormResult[] = [];
  const b = ctx.servers.of('hs256-embedded');
  if (!b) return out;
  await ensurePool(b, ctx.settings.pool);
  for (const style of ['jwt', 'session'] as const) {
    const rows: StormResult[] = [];
    const [caseId, rate] = [stormCaseId(style), stormRate(ctx, guard, style)];
    for (let i = 0; i < ctx.settings.stormPairs; i++) {
      const { row } = await stormOnce(ctx, b, style, caseId, rate);
      const { quiet, storm } = row;
      ctx.log(
        `  storm ${style} (${i + 1}/${ctx.settings.stormPairs}): ${row.rate} req/s guarded; p99 quiet ${quiet.p99Ms} ms, during ${LOGIN_CONNECTIONS} logins ${storm.p99Ms} ms (×${row.p99Ratio}); event-loop delay p99 ${quiet.eventLoopDelayP99Ms} → ${storm.eventLoopDelayP99Ms} ms; ${row.loginsPerSecDuringStorm} logins/s`,
      );
      rows.push(row);
    }
    out.push(medianPair(rows));
  }
  return out;
}

export const stormSection: Section<StormResult[], [guard: GuardCase[]]> = {
  name: 'storm',
  title: 'guarded latency during a login storm',
  servers: (ctx) => [ctx.servers.id('hs256-embedded')],
  none: [],
  run,
};
