/**
 * The cost of Prometheus metrics (`METRICS_PORT`) on the guarded routes: `GET /users/me` with a JWT
 * (HS256) and with a session cookie, embedded store, on each adapter, on two servers that differ
 * only in `METRICS_PORT`. Each round measures both, one right after the other (the order alternates
 * from round to round), so the ratio on ÷ off is of figures measured side by side.
 *
 * Self-contained: it starts, prepares and stops its own servers. `run.ts` calls
 * `measureMetricsCost()` (section `metrics`) and `report.ts` prints `metricsCostMarkdown()`.
 */
import { join } from 'node:path';
import type { HttpAdapterKind } from '../../src/config/env.js';
import type { LoadResult, LoadSpec } from '../load.js';
import { bearer, cookie, expectStatus, loginJwt, loginSession, register, send } from '../lib/http.js';
import { runLoad, ServerProcess } from '../lib/processes.js';
import { median, round } from '../lib/stats.js';
import { failures } from '../lib/loads.js';
import { freePort } from '../lib/free-port.js';

export interface MetricsCostContext {
  adapters: HttpAdapterKind[];
  /** The environment of a guarded server on this adapter (HS256, embedded store), metrics off; `id` names its data. */
  envFor(adapter: HttpAdapterKind, id: string): Record<string, string>;
  serverCpu: string | null;
  loadCpu: string | null;
  tool: LoadSpec['tool'];
  connections: number;
  warmupSec: number;
  durationSec: number;
  rounds: number;
  logDir: string;
  log(message: string): void;
}

export interface MetricsCostRow {
  adapter: HttpAdapterKind;
  style: 'jwt' | 'session';
  /** Medians over the rounds. */
  offRps: number;
  onRps: number;
  offP99Ms: number;
  onP99Ms: number;
  /** Median over the rounds of on ÷ off, each round's pair measured side by side. */
  ratio: number;
  perRound: { offRps: number; onRps: number }[];
}

export interface MetricsCost {
  rows: MetricsCostRow[];
  /** Requests the metrics-on servers counted in `auth_http_request_duration_seconds` for `GET /users/me` 200: proof they were on. */
  counted: Record<string, number>;
}

const STYLES = ['jwt', 'session'] as const;

interface Target {
  proc: ServerProcess;
  metricsPort?: number;
  headers: Record<(typeof STYLES)[number], Record<string, string>>;
}

async function start(ctx: MetricsCostContext, adapter: HttpAdapterKind, on: boolean): Promise<Target> {
  const id = `metrics-${on ? 'on' : 'off'}-${adapter}`;
  const metricsPort = on ? await freePort() : undefined;
  const env = { ...ctx.envFor(adapter, id), ...(metricsPort ? { METRICS_PORT: String(metricsPort) } : {}) };
  const proc = new ServerProcess({ name: id, env, cpu: ctx.serverCpu, logFile: join(ctx.logDir, `${id}.log`) });
  await proc.start();
  const email = `bench-${id}@example.com`;
  await register(proc.url, email);
  const jwt = await loginJwt(proc.url, email);
  const session = await loginSession(proc.url, email);
  const headers = { jwt: bearer(jwt.accessToken), session: cookie(session.cookie) };
  for (const style of STYLES)
    await expectStatus(send(proc.url, 'GET', '/users/me', { headers: headers[style] }), 200, `${id}: ${style}`);
  return { proc, metricsPort, headers };
}

/** `auth_http_request_duration_seconds_count` of `GET /users/me` 200 on a metrics-on server. */
async function countedRequests(port: number): Promise<number> {
  const reply = await expectStatus(send(`http://127.0.0.1:${port}`, 'GET', '/metrics'), 200, 'GET /metrics');
  const line = reply.body
    .split('\n')
    .find(
      (l) =>
        l.startsWith('auth_http_request_duration_seconds_count{') &&
        l.includes('route="/users/me"') &&
        l.includes('method="GET"') &&
        l.includes('status="200"'),
    );
  return line ? Number(line.split(' ').pop()) : 0;
}

export async function measureMetricsCost(ctx: MetricsCostContext): Promise<MetricsCost> {
  const targets = new Map<string, { off: Target; on: Target }>();
  const all: ServerProcess[] = [];
  try {
    for (const adapter of ctx.adapters) {
      const [off, on] = await Promise.all([start(ctx, adapter, false), start(ctx, adapter, true)]);
      all.push(off.proc, on.proc);
      targets.set(adapter, { off, on });
    }
    const runs = new Map<string, { off: LoadResult; on: LoadResult }[]>();
    const measure = (t: Target, style: (typeof STYLES)[number]): Promise<LoadResult> =>
      runLoad(
        {
          tool: ctx.tool,
          url: `${t.proc.url}/users/me`,
          headers: t.headers[style],
          connections: ctx.connections,
          durationSec: ctx.durationSec,
          warmupSec: ctx.warmupSec,
        },
        ctx.loadCpu,
      );
    for (let r = 0; r < ctx.rounds; r++) {
      for (const adapter of ctx.adapters) {
        const { off, on } = targets.get(adapter)!;
        for (const style of STYLES) {
          // Side by side, the order alternating: neither side always gets the warmer minute.
          const first = r % 2 === 0 ? off : on;
          const second = first === off ? on : off;
          const a = await measure(first, style);
          const b = await measure(second, style);
          const pair = first === off ? { off: a, on: b } : { off: b, on: a };
          for (const x of [pair.off, pair.on])
            if (failures(x) > 0)
              throw new Error(`bench metrics: ${adapter}/${style} answered ${JSON.stringify(x.status)}`);
          const key = `${adapter}/${style}`;
          runs.set(key, [...(runs.get(key) ?? []), pair]);
          ctx.log(
            `  metrics ${key} round ${r + 1}: off ${Math.round(pair.off.rps)} req/s, on ${Math.round(pair.on.rps)} req/s (×${(pair.on.rps / pair.off.rps).toFixed(3)})`,
          );
        }
      }
    }
    const rows: MetricsCostRow[] = [];
    for (const adapter of ctx.adapters)
      for (const style of STYLES) {
        const pairs = runs.get(`${adapter}/${style}`) ?? [];
        rows.push({
          adapter,
          style,
          offRps: Math.round(median(pairs.map((p) => p.off.rps))),
          onRps: Math.round(median(pairs.map((p) => p.on.rps))),
          offP99Ms: round(median(pairs.map((p) => p.off.latencyMs.p99)), 2),
          onP99Ms: round(median(pairs.map((p) => p.on.latencyMs.p99)), 2),
          ratio: round(median(pairs.map((p) => p.on.rps / p.off.rps)), 3),
          perRound: pairs.map((p) => ({ offRps: Math.round(p.off.rps), onRps: Math.round(p.on.rps) })),
        });
      }
    const counted: Record<string, number> = {};
    for (const [adapter, { on }] of targets) counted[adapter] = await countedRequests(on.metricsPort!);
    return { rows, counted };
  } finally {
    await Promise.all(all.map((p) => p.stop()));
  }
}

export function metricsCostMarkdown(cost: MetricsCost | undefined): string[] {
  if (!cost || cost.rows.length === 0) return [];
  const name = (a: HttpAdapterKind): string => (a === 'fastify' ? 'Fastify' : 'Express');
  return [
    '## Cost of metrics on the guarded routes',
    '',
    "`GET /users/me` on two servers that differ only in `METRICS_PORT` (HS256, embedded store), measured one right after the other in each round (bench/sections/metrics.ts). The ratio is metrics on ÷ off, the median of the rounds' ratios: 1.000 means free.",
    '',
    [
      '| adapter | credential | off req/s | on req/s | on ÷ off | off p99 ms | on p99 ms |',
      '| --- | --- | --- | --- | --- | --- | --- |',
      ...cost.rows.map(
        (r) =>
          `| ${name(r.adapter)} | ${r.style === 'jwt' ? 'JWT HS256' : 'session cookie'} | ${r.offRps} | ${r.onRps} | ${r.ratio.toFixed(3)} | ${r.offP99Ms} | ${r.onP99Ms} |`,
      ),
    ].join('\n'),
    '',
    `Requests the metrics-on servers counted for \`GET /users/me\` 200 (proof they were on): ${Object.entries(
      cost.counted,
    )
      .map(([a, n]) => `${name(a as HttpAdapterKind)} ${n}`)
      .join(', ')}.`,
    '',
  ];
}
