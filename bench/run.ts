/**
 * `npm run bench [-- --quick] [-- --profile=always|never] [-- --autocannon] [-- --keep-profiles]`
 *
 * Starts the bench servers (bench/server.ts: the real AppModule, one per configuration and HTTP
 * adapter; bench/raw-http.ts: node:http alone; bench/bare-nest.ts: Nest alone on each adapter, one
 * controller and no app; bench/peers/: the alternatives the report sets this server against, the
 * NestJS docs' JWT recipe and Better Auth's getSession, see lib/alternatives.ts), drives them from a load generator on the other core, and writes every
 * figure of this one run to bench/results/latest.json (the previous one kept as previous.json),
 * then docs/benchmarks.md and docs/benchmarks-rps.svg from it (bench/report.ts).
 *
 * The guard section runs on both adapters (Express and Fastify), on raw node:http and on bare Nest
 * in the same rounds, so that every ratio (to the adapter's own baseline, to node:http, Fastify to
 * Express) is of figures measured side by side. Every other section runs on one adapter, the
 * product's default (`HTTP_ADAPTER`'s default in src/config/env.ts) unless `--adapter` names
 * another: they measure logins, storms, revocation and stores, which the adapter does not change,
 * and running them twice would double the run.
 *
 * This file only parses the flags, starts the servers the sections need, runs the sections in
 * order and writes the results. Each measurement is one file of bench/sections/, and its part of
 * the report one of bench/report/. What they share is in bench/lib/: the run's context and the
 * `--quick` settings (context.ts), the server configurations (servers.ts), the results' shape
 * (results.ts), the goals (goals.ts).
 *
 * To add a section:
 * 1. bench/sections/<name>.ts exports a `Section` (lib/section.ts): its `--only` name, the ids of
 *    the servers it measures (`ctx.servers.id('hs256-embedded')`), its results when left out, and
 *    `run(ctx)`, which measures and returns them. A server configuration no section has yet (a
 *    feature on or off, another store) is one more entry of `serverDefs` in lib/servers.ts, with
 *    its variables in `env`; a duration or count that `--quick` shortens, a field of `Settings`.
 * 2. Its results' type goes in lib/results.ts, as a field of `BenchResults`.
 * 3. Here: the section in SECTIONS, and one line in `main()` running it in its place (after the
 *    sections whose results it takes as arguments), its result put into `results`.
 * 4. Its part of docs/benchmarks.md: bench/report/<name>.ts returning its lines, placed in
 *    `markdown()` of report.ts. It should read a missing field as empty: stored results from before
 *    the section lack it (`node dist/bench/report.js` regenerates the page from them). A goal on
 *    its figures goes in lib/goals.ts.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Env, HTTP_ADAPTERS, type HttpAdapterKind } from '../src/config/env.js';
import { dpopSection } from './dpop.js';
import { measureMetricsCost } from './sections/metrics.js';
import { redisClusterSection } from './sections/redis-cluster.js';
import type { LoadSpec } from './load.js';
import { type RunContext, SETTINGS } from './lib/context.js';
import { goals } from './lib/goals.js';
import { machine, redisVersion, versions } from './lib/machine.js';
import { ADAPTER_LABEL, BARE, RAW } from './lib/platforms.js';
import { detectPinning, hasWrk } from './lib/processes.js';
import type { BenchResults } from './lib/results.js';
import type { Section } from './lib/section.js';
import { BenchServers, prepare, serverDefs } from './lib/servers.js';
import { printDeltas, writeReport } from './report.js';
import { enumerationSection } from './sections/enumeration.js';
import { signupSection } from './sections/signup.js';
import { guardSection } from './sections/guard.js';
import { loginSection } from './sections/login.js';
import { profileSection } from './sections/profiles.js';
import { revocationSection } from './sections/revocation.js';
import { serverMemorySection } from './sections/server-memory.js';
import { STORM_GUARDED_CONNECTIONS, STORM_RATE_SHARE, stormSection } from './sections/storm.js';
import { storesSection } from './sections/stores.js';
import { wireSection } from './sections/wire.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');

/** The sections `--only` can select, and whose servers a run starts; they run in `main()`'s order. */
const SECTIONS: Pick<Section<unknown>, 'name' | 'servers'>[] = [
  guardSection,
  loginSection,
  stormSection,
  enumerationSection,
  signupSection,
  wireSection,
  revocationSection,
  storesSection,
];

const { values: flags } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    profile: { type: 'string', default: 'auto' },
    autocannon: { type: 'boolean', default: false },
    'keep-profiles': { type: 'boolean', default: false },
    // For working on the bench or on one hot path: some sections, some guard cases, other rounds
    // or durations. Such a run writes bench/results/partial.json and leaves latest.json and the
    // docs alone.
    only: { type: 'string' },
    cases: { type: 'string' },
    rounds: { type: 'string' },
    duration: { type: 'string' },
    // The adapter of every section but the guard's (and of the guard's alternative algorithms and
    // Redis cases): the product's default unless named. `--adapters` narrows the guard section's
    // comparison (a partial run).
    adapter: { type: 'string' },
    adapters: { type: 'string' },
  },
  allowPositionals: false,
});
const QUICK = flags.quick;
const ONLY = flags.only ? new Set(flags.only.split(',')) : null;
const want = (section: string): boolean => !ONLY || ONLY.has(section);
const isAdapter = (x: string): x is HttpAdapterKind => (HTTP_ADAPTERS as readonly string[]).includes(x);
function adapterFlag(value: string): HttpAdapterKind {
  if (!isAdapter(value)) throw new Error(`bench: unknown adapter "${value}" (one of ${HTTP_ADAPTERS.join(', ')})`);
  return value;
}
const DEFAULT_ADAPTER: HttpAdapterKind = new Env().HTTP_ADAPTER;
const PRIMARY: HttpAdapterKind = flags.adapter ? adapterFlag(flags.adapter) : DEFAULT_ADAPTER;
const GUARD_ADAPTERS: HttpAdapterKind[] = flags.adapters
  ? flags.adapters.split(',').map(adapterFlag)
  : [...HTTP_ADAPTERS];
const S = { ...SETTINGS[QUICK ? 'quick' : 'full'] };
if (flags.rounds) S.rounds = Number(flags.rounds);
if (flags.duration) S.duration = Number(flags.duration);
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';

const started = performance.now();
const log = (m: string): void =>
  console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${m}`);

const tmp = mkdtempSync(join(tmpdir(), 'auth-bench-'));
const pin = detectPinning();
const tool: LoadSpec['tool'] = !flags.autocannon && hasWrk() ? 'wrk' : 'autocannon';
const servers = new BenchServers({ tmp, pin, primary: PRIMARY, redisUrl: REDIS_URL });
const skipped: string[] = [];

/** Runs a section unless `--only` leaves it out. */
function section<R, A extends unknown[]>(ctx: RunContext, s: Section<R, A>, ...args: A): Promise<R> {
  if (!want(s.name)) return Promise.resolve(s.none);
  if (s.title) log(s.title);
  return s.run(ctx, ...args);
}

async function main(): Promise<void> {
  const load = loadavg();
  log(`${QUICK ? 'quick' : 'full'} run; ${pin.note}; load generator: ${tool}; temp ${tmp}`);
  log(
    `guard section on ${[RAW, ...GUARD_ADAPTERS.map((a) => BARE[a]), ...GUARD_ADAPTERS].join(', ')}; every other section on ${PRIMARY}${PRIMARY === DEFAULT_ADAPTER ? " (the product's default adapter)" : ''}`,
  );
  const redis = await redisVersion(REDIS_URL);
  if (!redis) skipped.push(`Redis cases: no Redis at ${REDIS_URL} (set BENCH_REDIS_URL)`);
  const ctx: RunContext = {
    quick: QUICK,
    settings: S,
    defaultAdapter: DEFAULT_ADAPTER,
    primary: PRIMARY,
    guardAdapters: GUARD_ADAPTERS,
    cases: flags.cases ? new Set(['baseline', 'raw', 'bare', ...flags.cases.split(',')]) : null,
    tool,
    pin,
    tmp,
    redisUrl: REDIS_URL,
    redis,
    servers,
    skipped,
    started,
    log,
  };

  // A partial run starts only the servers its sections use.
  const needed = new Set(SECTIONS.filter((s) => want(s.name)).flatMap((s) => s.servers(ctx)));
  const defs = serverDefs(servers, { primary: PRIMARY, guardAdapters: GUARD_ADAPTERS, quick: QUICK, redis: !!redis });
  const toStart = defs.filter((d) => needed.has(d.id));
  log(`starting ${toStart.length} servers`);
  await servers.start(toStart);
  await Promise.all(servers.all().map(prepare));

  const { guard, adapterBaselines, alternatives } = await section(ctx, guardSection);
  const serverMemory = await serverMemorySection(ctx);
  const login = await section(ctx, loginSection);
  const storm = await section(ctx, stormSection, guard);
  const enumeration = await section(ctx, enumerationSection);
  const signupFlood = await section(ctx, signupSection);
  const wire = await section(ctx, wireSection);
  const revocation = await section(ctx, revocationSection);
  const stores = await section(ctx, storesSection);
  // Self-contained (bench/sections/metrics.ts): its own servers, metrics off and on, side by side.
  if (want('metrics')) log('cost of metrics on the guarded routes');
  const metrics = want('metrics')
    ? await measureMetricsCost({
        adapters: GUARD_ADAPTERS,
        envFor: (adapter, id) => servers.envFor({ id, adapter, store: 'embedded', algorithm: 'HS256' }),
        serverCpu: pin.server,
        loadCpu: pin.load,
        tool,
        connections: S.connections,
        warmupSec: S.warmup,
        durationSec: S.duration,
        rounds: S.rounds,
        logDir: tmp,
        log,
      })
    : undefined;
  // DPoP and introspection (bench/dpop.ts, self-contained): its figures go to bench/results/dpop.json.
  if (want('dpop')) await dpopSection({ quick: QUICK, cpu: pin.server, log });
  // Per-operation figures on a Redis Cluster beside the single Redis (BENCH_REDIS_CLUSTER_URL; `.ci/run` starts one).
  const clusterUrl =
    process.env.BENCH_REDIS_CLUSTER_URL ?? 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002';
  if (want('redis-cluster') && redis) {
    log('Redis operations: one server beside a cluster');
    try {
      const section = await redisClusterSection({ singleUrl: REDIS_URL, clusterUrl, samples: QUICK ? 200 : 2000, log });
      log(section.markdown);
    } catch (err) {
      skipped.push(`Redis Cluster operations: ${(err as Error).message} (set BENCH_REDIS_CLUSTER_URL)`);
    }
  }
  const goalList = goals(PRIMARY, guard, storm, { defaultAdapter: DEFAULT_ADAPTER, alternatives });
  const profiles = await profileSection(ctx, {
    goals: goalList,
    guard,
    profile: flags.profile,
    storm: want(stormSection.name),
    keepIn: flags['keep-profiles'] ? join(RESULTS_DIR, 'profiles') : null,
  });

  const results: BenchResults = {
    schema: 2,
    mode: QUICK ? 'quick' : 'full',
    date: new Date().toISOString(),
    wallSec: Math.round((performance.now() - started) / 1000),
    machine: machine({ loadAverageAtStart: load, pin, tool, redis }),
    versions: versions(ROOT),
    settings: {
      connections: S.connections,
      warmupSec: S.warmup,
      durationSec: S.duration,
      rounds: S.rounds,
      logLevel: 'warn',
      notes: [
        'Every server is the real AppModule configured as main.ts does, NODE_ENV=production, LOG_LEVEL=warn (no per-request log line in any case), built through the Nest testing module so that the baseline can override the global guard.',
        `Guarded requests during the storm run at a fixed ${Math.round(STORM_RATE_SHARE * 100)}% of the case's measured capacity from ${STORM_GUARDED_CONNECTIONS} connections, so their latency is the server's, not a queue's. Each phase's load process sends that load for ${S.stormWarmup} s before it measures: a new Node process sending a few thousand requests a second stalls in its own first seconds, and those stalls had made the quiet p99. It then collects its warm-up's garbage and measures keeping two numbers per request (a generator that kept each request's promise paused for its own full garbage collection mid-run, counted as the server's latency), and the logins of the storm phase run under SCHED_IDLE on the same core, so they never delay its reading of an answer.`,
        'Rate limits, lockout and the per-user session cap are raised for the bench (it logs in thousands of times from one address).',
        "The alternatives (bench/peers/: the NestJS docs JWT recipe on Express, Better Auth getSession on Fastify with its cookie cache off and on) run in the guard section's rounds, each on its own server process started, pinned and loaded exactly as this server's are.",
        `The guard section runs on ${GUARD_ADAPTERS.map((a) => ADAPTER_LABEL[a]).join(' and ')} (HTTP_ADAPTER), on raw node:http and on Nest alone on each adapter (bench/bare-nest.ts: one controller, the same fixed body) in the same rounds; the other JWT algorithms and the Redis cases, and every other section, on ${ADAPTER_LABEL[PRIMARY]}${PRIMARY === DEFAULT_ADAPTER ? ", the product's default adapter" : ''}.`,
      ],
    },
    adapters: { default: DEFAULT_ADAPTER, primary: PRIMARY, guard: GUARD_ADAPTERS },
    adapterBaselines,
    guard,
    alternatives,
    login,
    storm,
    enumeration,
    signupFlood,
    wire,
    stores,
    revocation,
    metrics,
    serverMemory,
    goals: goalList,
    profiles,
    skipped,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  if (ONLY || flags.cases || flags.rounds || flags.duration) {
    writeFileSync(join(RESULTS_DIR, 'partial.json'), `${JSON.stringify(results, null, 2)}\n`);
    log('partial run: wrote bench/results/partial.json only');
    for (const g of goalList) log(`goal ${g.met ? 'met   ' : 'MISSED'} ${g.text}: ${g.value} (target ${g.target})`);
    return;
  }
  const latest = join(RESULTS_DIR, 'latest.json');
  const previous = join(RESULTS_DIR, 'previous.json');
  if (existsSync(latest)) copyFileSync(latest, previous);
  writeFileSync(latest, `${JSON.stringify(results, null, 2)}\n`);
  const prior = existsSync(previous) ? (JSON.parse(readFileSync(previous, 'utf8')) as BenchResults) : null;
  writeReport(ROOT, results, prior);
  log(`wrote bench/results/latest.json, docs/benchmarks.md, docs/benchmarks-rps.svg`);
  if (prior) printDeltas(results, prior);
  for (const g of goalList) log(`goal ${g.met ? 'met   ' : 'MISSED'} ${g.text}: ${g.value} (target ${g.target})`);
}

let exitCode = 0;
try {
  await main();
} catch (err) {
  console.error(err instanceof Error ? (err.stack ?? err.message) : String(err));
  exitCode = 1;
} finally {
  await servers.stop();
  rmSync(tmp, { recursive: true, force: true });
}
log(`done in ${Math.round((performance.now() - started) / 1000)}s`);
process.exit(exitCode);
