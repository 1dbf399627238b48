/**
 * (1) Guard overhead: `GET /users/me` under load on every guard case (each JWT algorithm, the
 * session cookie, each store), against each adapter's baseline (the same app with a fixed-user
 * guard), Nest alone and raw node:http, all in the same rounds. Runs on both adapters; the other
 * algorithms and Redis on the primary one only. The alternatives (lib/alternatives.ts: the Nest
 * docs' JWT recipe, Better Auth's getSession) run in the same rounds, measured exactly as these
 * cases are, and are reported apart (`alternatives`): they have no baseline of their own, only
 * our guarded cases' req/s ÷ theirs, round by round.
 */
import type { HttpAdapterKind } from '../../src/config/env.js';
import type { LoadResult } from '../load.js';
import { ALTERNATIVE_CASES, alternativeVersions } from '../lib/alternatives.js';
import { redisCpu as openRedisCpu } from '../lib/machine.js';
import type { RunContext } from '../lib/context.js';
import { bearer, cookie, expectStatus, headerBytes, type Reply, send } from '../lib/http.js';
import { failures, loadSpec } from '../lib/loads.js';
import { ADAPTER_LABEL, BARE, baseId, caseKey, isAlternative, RAW } from '../lib/platforms.js';
import { runLoad } from '../lib/processes.js';
import type {
  AdapterBaselines,
  AlternativeCase,
  GuardCase,
  GuardRound,
  Platform,
  Store,
  Style,
} from '../lib/results.js';
import type { Section } from '../lib/section.js';
import type { Algorithm, Bench } from '../lib/servers.js';
import { median, round } from '../lib/stats.js';

export interface GuardResults {
  guard: GuardCase[];
  adapterBaselines: AdapterBaselines[];
  alternatives: AlternativeCase[];
}

export interface GuardCaseDef {
  /** The case, the same on every adapter; `caseKey()` tells the adapters apart. */
  id: string;
  label: string;
  style: Style | 'none';
  adapter: Platform;
  server: string;
  /** The guarded route: this server's `GET /users/me`, an alternative's own. */
  path: string;
  store: Store;
  algorithm: Algorithm | null;
  headers: (b: Bench) => Record<string, string>;
}

const ME = '/users/me';
/** Nest alone's second route (bare-nest.ts): the same body with the app's answer headers. */
const ME_WITH_API_HEADERS = '/users/me/with-api-headers';
/** The app's public route: everything before the guard (hooks, logger, headers), no guard or database. */
const PUBLIC = '/.well-known/jwks.json';
/** The cases that open and close each round, the others' denominators. */
const BASES = new Set(['raw', 'bare', 'baseline']);
/** Our guarded cases each alternative is set against, on every adapter measured. */
const COMPARED = ['jwt-hs256-embedded', 'session-embedded'];

/** `redisCpu`: Redis's own CPU per request, µs, for a case on Redis. */
type Run = LoadResult & { cpu: number; redisCpu?: number };

/** Every case the run could measure, on the servers they need (started or not). */
function allGuardCases(ctx: RunContext): GuardCaseDef[] {
  const jwtCase = (adapter: HttpAdapterKind, algorithm: Algorithm, store: Store): GuardCaseDef => ({
    id: `jwt-${algorithm.toLowerCase()}-${store}`,
    label: `JWT ${algorithm}, ${store}`,
    style: 'jwt',
    adapter,
    server: ctx.servers.id(`${algorithm.toLowerCase()}-${store}`, adapter),
    path: ME,
    store,
    algorithm,
    headers: (b) => bearer(b.jwt!.accessToken),
  });
  const sessionCase = (adapter: HttpAdapterKind, store: Store): GuardCaseDef => ({
    id: `session-${store}`,
    label: `Session cookie, ${store}`,
    style: 'session',
    adapter,
    server: ctx.servers.id(`hs256-${store}`, adapter),
    path: ME,
    store,
    algorithm: null,
    headers: (b) => cookie(b.session!.cookie),
  });
  const cases: GuardCaseDef[] = [
    {
      id: 'raw',
      label: 'node:http alone (fixed body)',
      style: 'none',
      adapter: RAW,
      server: ctx.servers.id('', RAW),
      path: ME,
      store: 'embedded',
      algorithm: null,
      headers: () => ({}),
    },
  ];
  for (const adapter of ctx.guardAdapters) {
    // The other algorithms and Redis run on the primary adapter only: what they add is the
    // verifier's or the store's, the same under either adapter, and on both they would make the
    // guard section half as long again.
    const all = adapter === ctx.primary;
    cases.push(
      // Nest alone on this adapter: splits the gap between node:http and the baseline into the
      // framework's share and the app's.
      {
        id: 'bare',
        label: 'Nest alone (fixed body)',
        style: 'none',
        adapter: BARE[adapter],
        server: ctx.servers.id('', BARE[adapter]),
        path: ME,
        store: 'embedded',
        algorithm: null,
        headers: () => ({}),
      },
      // Nest alone answering with the headers every answer of the app carries: their own cost.
      {
        id: 'bare-headers',
        label: "Nest alone + the app's answer headers",
        style: 'none',
        adapter: BARE[adapter],
        server: ctx.servers.id('', BARE[adapter]),
        path: ME_WITH_API_HEADERS,
        store: 'embedded',
        algorithm: null,
        headers: () => ({}),
      },
      {
        id: 'public',
        label: 'Public route (JWKS, no guard)',
        style: 'none',
        adapter,
        server: ctx.servers.id('hs256-embedded', adapter),
        path: PUBLIC,
        store: 'embedded',
        algorithm: null,
        headers: () => ({}),
      },
      {
        id: 'baseline',
        label: 'Baseline (fixed user)',
        style: 'none',
        adapter,
        server: ctx.servers.id('baseline', adapter),
        path: ME,
        store: 'embedded',
        algorithm: null,
        headers: () => ({}),
      },
      jwtCase(adapter, 'HS256', 'embedded'),
      ...(all ? [jwtCase(adapter, 'RS256', 'embedded'), jwtCase(adapter, 'ES256', 'embedded')] : []),
      ...(all ? [jwtCase(adapter, 'EdDSA', 'embedded')] : []),
      sessionCase(adapter, 'embedded'),
      ...(all ? [jwtCase(adapter, 'HS256', 'redis'), sessionCase(adapter, 'redis')] : []),
    );
  }
  for (const a of ALTERNATIVE_CASES) {
    cases.push({
      id: a.id,
      label: a.label,
      style: a.platform === 'nest-recipe' ? 'jwt' : 'session',
      adapter: a.platform,
      server: ctx.servers.id(a.config, a.platform),
      path: a.route.replace(/^GET /, ''),
      store: 'embedded',
      algorithm: a.platform === 'nest-recipe' ? 'HS256' : null,
      headers: (b) => b.credential!,
    });
  }
  return cases;
}

/** The cases this run measures: their server runs, and `--cases` names them. */
export function guardCases(ctx: RunContext): GuardCaseDef[] {
  return allGuardCases(ctx).filter(
    (c) =>
      ctx.servers.has(c.server) && !(ctx.quick && c.id === 'jwt-es256-embedded') && (!ctx.cases || ctx.cases.has(c.id)),
  );
}

/** The header block's size as received: `Name: value` CRLF per line, plus the status line's CRLF pair. */
const responseHeaderBytes = (r: Reply): number =>
  Object.entries(r.headers).reduce(
    (n, [name, value]) =>
      n + (Array.isArray(value) ? value : [value ?? '']).reduce((m, v) => m + headerBytes(name, v), 0),
    2,
  );

/** Checks the case answers as it must, and returns the size of its answer. */
async function checkCase(ctx: RunContext, c: GuardCaseDef): Promise<{ headerBytes: number; bodyBytes: number }> {
  const b = ctx.servers.get(c.server)!;
  const ok = await expectStatus(
    send(b.proc.url, 'GET', c.path, { headers: c.headers(b) }),
    200,
    `${caseKey(c)}: GET ${c.path} with its credential`,
  );
  if (!String(ok.headers['content-type']).startsWith('application/json'))
    throw new Error(`bench: ${caseKey(c)} answered ${String(ok.headers['content-type'])}, not JSON`);
  if (c.style !== 'none')
    await expectStatus(send(b.proc.url, 'GET', c.path), 401, `${caseKey(c)}: GET ${c.path} without a credential`);
  return { headerBytes: responseHeaderBytes(ok), bodyBytes: Buffer.byteLength(ok.body) };
}

/** One baseline's runs opening and closing a round, as one: the mean of the two. */
function mergeRuns(first: Run, last: Run): Run {
  return {
    ...first,
    cpu: (first.cpu + last.cpu) / 2,
    rps: (first.rps + last.rps) / 2,
    requests: first.requests + last.requests,
    latencyMs: {
      ...first.latencyMs,
      p50: (first.latencyMs.p50 + last.latencyMs.p50) / 2,
      p99: (first.latencyMs.p99 + last.latencyMs.p99) / 2,
    },
    errors: first.errors + last.errors,
    timeouts: first.timeouts + last.timeouts,
    status: Object.fromEntries(
      Object.keys({ ...first.status, ...last.status }).map((k) => [k, (first.status[k] ?? 0) + (last.status[k] ?? 0)]),
    ),
  };
}

async function run(ctx: RunContext): Promise<GuardResults> {
  const S = ctx.settings;
  const cases = guardCases(ctx);
  const sizes = new Map<string, { headerBytes: number; bodyBytes: number }>();
  for (const c of cases) sizes.set(caseKey(c), await checkCase(ctx, c));
  // The baselines: raw node:http, bare Nest on each adapter and each adapter's app with the
  // fixed-user guard. Every case's ratio is to its own adapter's baseline, and to node:http,
  // measured in the same round.
  const bases = cases.filter((c) => BASES.has(c.id));
  const others = cases.filter((c) => !BASES.has(c.id));
  // A case measured on both adapters runs on one right after the other: what separates the two
  // figures is the adapter, not the minute. The groups (one case, its adapters) rotate from round to
  // round, and within a group the adapter that goes first alternates.
  const groups = [...new Set(others.map((c) => c.id))].map((id) => others.filter((c) => c.id === id));
  type Measured = { r: Run; ratio: number; toRaw: number | null; toBare: number | null; toPublic: number | null };
  const rounds = new Map<string, Measured[]>(cases.map((c) => [caseKey(c), []]));
  const baselinesByRound: Map<Platform, Run>[] = [];
  const redisCpu = cases.some((c) => c.store === 'redis') ? await openRedisCpu(ctx.redisUrl) : null;
  const measure = async (c: GuardCaseDef): Promise<Run> => {
    const b = ctx.servers.get(c.server)!;
    const spec = loadSpec(ctx, b, c.path, c.headers(b), { warmupSec: 0 });
    await runLoad({ ...spec, durationSec: S.warmup }, ctx.pin.load);
    await b.proc.stats(true);
    const onRedis = c.store === 'redis' ? redisCpu : null;
    const redisBefore = await onRedis?.micros();
    const r = await runLoad(spec, ctx.pin.load);
    const cpu = (await b.proc.stats(true)).cpuUs / Math.max(1, r.requests);
    const redis = onRedis ? ((await onRedis.micros()) - redisBefore!) / Math.max(1, r.requests) : undefined;
    ctx.log(
      `  ${caseKey(c).padEnd(28)} ${String(Math.round(r.rps)).padStart(6)} req/s  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms  CPU ${Math.round(cpu)} µs/req${redis === undefined ? '' : ` (Redis ${Math.round(redis)})`}${failures(r) ? `  FAILURES ${failures(r)}` : ''}`,
    );
    return { ...r, cpu, ...(redis === undefined ? {} : { redisCpu: redis }) };
  };
  // Each server's code is optimised by V8 as it runs: a first load brings every case to the same
  // steady state before anything is counted.
  if (S.prime > 0) ctx.log(`guard overhead: priming ${cases.length} cases, ${S.prime}s each`);
  for (const c of S.prime > 0 ? cases : []) {
    const b = ctx.servers.get(c.server)!;
    // The baselines open the first round: they get the longest start (it matters most in a quick run).
    const durationSec = c.style === 'none' ? Math.max(S.prime, 3) : S.prime;
    await runLoad(loadSpec(ctx, b, c.path, c.headers(b), { durationSec, warmupSec: 0 }), ctx.pin.load);
  }
  for (let round = 0; round < S.rounds; round++) {
    ctx.log(
      `guard overhead, round ${round + 1}/${S.rounds} (${ctx.tool}, ${S.connections} connections, ${S.duration}s each)`,
    );
    // The baselines open and close each round (closing in the reverse order, so that each one's two
    // runs average to the middle of the round); the cases of both adapters run between them.
    const order = groups
      .map((_, i) => groups[(i + round) % groups.length]!)
      .flatMap((g) => (round % 2 === 0 ? g : [...g].reverse()));
    const opening = new Map<string, Run>();
    for (const c of bases) opening.set(caseKey(c), await measure(c));
    const results = new Map<string, Run>();
    for (const c of order) results.set(caseKey(c), await measure(c));
    const baseline = new Map<Platform, Run>();
    for (const c of [...bases].reverse()) {
      const r = mergeRuns(opening.get(caseKey(c))!, await measure(c));
      results.set(caseKey(c), r);
      baseline.set(c.adapter, r);
    }
    const raw = baseline.get(RAW)?.rps;
    for (const c of cases) {
      const r = results.get(caseKey(c))!;
      // An alternative has no baseline of its own: its ratios are ours to it (alternativesOf).
      const base = baseline.get(c.adapter)?.rps ?? Number.NaN;
      const adapter = c.adapter === 'express' || c.adapter === 'fastify' ? c.adapter : null;
      // Nest alone's other route is set against Nest alone too.
      const bareOf = adapter ? BARE[adapter] : c.id === 'bare-headers' ? c.adapter : undefined;
      const bare = bareOf ? baseline.get(bareOf)?.rps : undefined;
      const pub = adapter ? results.get(caseKey({ id: 'public', adapter }))?.rps : undefined;
      rounds.get(caseKey(c))!.push({
        r,
        ratio: r.rps / base,
        toRaw: raw === undefined ? null : r.rps / raw,
        toBare: bare === undefined ? null : r.rps / bare,
        toPublic: pub === undefined ? null : r.rps / pub,
      });
    }
    baselinesByRound.push(baseline);
  }
  redisCpu?.close();
  const medianOf = (k: string, f: (x: Measured) => number): number => median(rounds.get(k)!.map(f));
  /** The median of a ratio measured in every round, else null. */
  const medianRatio = (k: string, f: (x: Measured) => number | null): number | null => {
    const xs = rounds.get(k)!.map(f);
    return xs.length > 0 && xs.every((x) => x !== null) ? round(median(xs), 3) : null;
  };
  const guard = cases
    .filter((c) => !isAlternative(c.adapter))
    .map((c): GuardCase => {
      const rs = rounds.get(caseKey(c))!;
      const baseKey = caseKey({ id: baseId(c.adapter), adapter: c.adapter });
      const baseRps = medianOf(baseKey, (x) => x.r.rps);
      const baseCpu = medianOf(baseKey, (x) => x.r.cpu);
      const rps = medianOf(caseKey(c), (x) => x.r.rps);
      const cpu = medianOf(caseKey(c), (x) => x.r.cpu);
      const toRaw = rs.every((x) => x.toRaw !== null) && rs.length > 0;
      const perRound: GuardRound[] = rs.map((x) => ({
        rps: round(x.r.rps, 1),
        cpuUsPerRequest: round(x.r.cpu, 1),
        p50Ms: round(x.r.latencyMs.p50, 3),
        p99Ms: round(x.r.latencyMs.p99, 3),
        ratio: round(x.ratio, 3),
        ratioToRaw: x.toRaw === null ? null : round(x.toRaw, 3),
      }));
      return {
        id: c.id,
        adapter: c.adapter,
        label: c.label,
        style: c.style,
        algorithm: c.algorithm,
        store: c.store,
        rps: round(rps, 1),
        p50Ms: round(
          medianOf(caseKey(c), (x) => x.r.latencyMs.p50),
          3,
        ),
        p99Ms: round(
          medianOf(caseKey(c), (x) => x.r.latencyMs.p99),
          3,
        ),
        ratio: round(
          medianOf(caseKey(c), (x) => x.ratio),
          3,
        ),
        ratioToRaw: toRaw
          ? round(
              medianOf(caseKey(c), (x) => x.toRaw!),
              3,
            )
          : null,
        ratioToBare: medianRatio(caseKey(c), (x) => x.toBare),
        ratioToPublic: medianRatio(caseKey(c), (x) => x.toPublic),
        guardUs: round((1 / rps - 1 / baseRps) * 1e6, 1),
        cpuUsPerRequest: round(cpu, 1),
        cpuRatio: round(baseCpu / cpu, 3),
        ...(rs.every((x) => x.r.redisCpu !== undefined) && rs.length > 0
          ? {
              redisCpuUsPerRequest: round(
                medianOf(caseKey(c), (x) => x.r.redisCpu!),
                1,
              ),
            }
          : {}),
        ...sizes.get(caseKey(c))!,
        rounds: perRound,
        failures: rs.reduce((n, x) => n + failures(x.r), 0),
      };
    });
  // Each adapter's baseline against the other's and against node:http, round by round.
  const adapterBaselines: AdapterBaselines[] = [];
  const pairs: [Platform, Platform][] = [
    ['fastify', 'express'],
    ['express', RAW],
    ['fastify', RAW],
  ];
  for (const [of, to] of pairs) {
    const perRound = baselinesByRound.filter((m) => m.has(of) && m.has(to));
    if (perRound.length === 0) continue;
    const rpsRatios = perRound.map((m) => m.get(of)!.rps / m.get(to)!.rps);
    const cpuRatios = perRound.map((m) => m.get(to)!.cpu / m.get(of)!.cpu);
    adapterBaselines.push({
      of,
      to,
      ratio: round(median(rpsRatios), 3),
      cpuRatio: round(median(cpuRatios), 3),
      rounds: rpsRatios.map((x) => round(x, 3)),
    });
    ctx.log(
      `  ${ADAPTER_LABEL[of]} baseline / ${ADAPTER_LABEL[to]}${to === RAW ? '' : ' baseline'}: ${median(rpsRatios).toFixed(3)} (rounds ${rpsRatios.map((x) => x.toFixed(3)).join(', ')}; CPU per request ${median(cpuRatios).toFixed(3)})`,
    );
  }
  return { guard, adapterBaselines, alternatives: alternativesOf(ctx, cases, rounds, sizes) };
}

/** The alternatives' figures, and each of our compared cases' req/s ÷ theirs in the same rounds. */
function alternativesOf(
  ctx: RunContext,
  cases: GuardCaseDef[],
  rounds: Map<string, { r: Run }[]>,
  sizes: Map<string, { headerBytes: number; bodyBytes: number }>,
): AlternativeCase[] {
  const ours = cases.filter((c) => COMPARED.includes(c.id) && !isAlternative(c.adapter));
  return cases.flatMap((c): AlternativeCase[] => {
    const a = ALTERNATIVE_CASES.find((x) => x.id === c.id && x.platform === c.adapter);
    if (!a) return [];
    const theirs = rounds.get(caseKey(c))!;
    const vs = ours.map((o) => {
      const mine = rounds.get(caseKey(o))!;
      const ratios = theirs.map((t, i) => mine[i]!.r.rps / t.r.rps);
      const cpu = theirs.map((t, i) => t.r.cpu / mine[i]!.r.cpu);
      return {
        caseKey: caseKey(o),
        ratio: round(median(ratios), 2),
        rounds: ratios.map((x) => round(x, 2)),
        cpuRatio: round(median(cpu), 2),
      };
    });
    for (const v of vs)
      ctx.log(
        `  ${v.caseKey} ÷ ${caseKey(c)}: ×${v.ratio.toFixed(2)} (rounds ${v.rounds.map((x) => x.toFixed(2)).join(', ')}; CPU per request ×${v.cpuRatio.toFixed(2)})`,
      );
    return [
      {
        id: a.id,
        platform: a.platform,
        label: a.label,
        route: a.route,
        credential: a.credential,
        framework: a.framework,
        checks: a.checks,
        ...(a.note ? { note: a.note } : {}),
        versions: alternativeVersions(a),
        rps: round(median(theirs.map((x) => x.r.rps)), 1),
        p50Ms: round(median(theirs.map((x) => x.r.latencyMs.p50)), 3),
        p99Ms: round(median(theirs.map((x) => x.r.latencyMs.p99)), 3),
        cpuUsPerRequest: round(median(theirs.map((x) => x.r.cpu)), 1),
        rounds: theirs.map((x) => ({
          rps: round(x.r.rps, 1),
          cpuUsPerRequest: round(x.r.cpu, 1),
          p50Ms: round(x.r.latencyMs.p50, 3),
          p99Ms: round(x.r.latencyMs.p99, 3),
        })),
        failures: theirs.reduce((n, x) => n + failures(x.r), 0),
        ...sizes.get(caseKey(c))!,
        vs,
      },
    ];
  });
}

export const guardSection: Section<GuardResults> = {
  name: 'guard',
  servers: (ctx) => allGuardCases(ctx).flatMap((c) => (!ctx.cases || ctx.cases.has(c.id) ? [c.server] : [])),
  none: { guard: [], adapterBaselines: [], alternatives: [] },
  run,
};
