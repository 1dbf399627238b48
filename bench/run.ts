/**
 * `npm run bench [-- --quick] [-- --profile=always|never] [-- --autocannon] [-- --keep-profiles]`
 *
 * Starts the bench servers (bench/server.ts: the real AppModule, one per configuration and HTTP
 * adapter; bench/raw-http.ts: node:http alone; bench/bare-nest.ts: Nest alone on each adapter, one
 * controller and no app), drives them from a load generator on the other core, and writes every
 * figure of this one run to bench/results/latest.json (the previous one kept as previous.json),
 * then docs/benchmarks.md and docs/benchmarks-rps.svg from it (bench/report.ts).
 *
 * The guard section runs on both adapters (Express and Fastify), on raw node:http and on bare Nest
 * in the same rounds, so that every ratio (to the adapter's own baseline, to node:http, Fastify to
 * Express) is of figures measured side by side. Every other section runs on one adapter, the
 * product's default (`HTTP_ADAPTER`'s default in src/config/env.ts) unless `--adapter` names
 * another: they measure logins, storms, revocation and stores, which the adapter does not change,
 * and running them twice would double the run.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, cpus, loadavg, platform, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { createClient } from 'redis';
import type { LoadResult, LoadSpec } from './load.js';
import {
  bearer,
  cookie,
  expectStatus,
  type JwtLogin,
  loginJwt,
  loginSession,
  PASSWORD,
  register,
  type Reply,
  send,
  type SessionLogin,
  setCookieLines,
} from './lib/http.js';
import { Env, HTTP_ADAPTERS, type HttpAdapterKind } from '../src/config/env.js';
import {
  BARE_NEST_JS,
  detectPinning,
  hasWrk,
  type Pinning,
  RAW_HTTP_JS,
  runLoad,
  ServerProcess,
  wrkVersion,
} from './lib/processes.js';
import { summariseProfile } from './lib/profile.js';
import type {
  AdapterBaselines,
  BenchResults,
  EnumerationResult,
  Goal,
  GuardCase,
  GuardRound,
  LoginResult,
  Platform,
  ProfileSummary,
  RevocationRow,
  ServerMemory,
  Store,
  StormPhase,
  StormResult,
  Style,
  WireRow,
} from './lib/results.js';
import { median, percentile, round } from './lib/stats.js';
import { measureStores } from './lib/stores.js';
import { printDeltas, writeReport } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..', '..');
const RESULTS_DIR = join(ROOT, 'bench', 'results');

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
const want = (section: 'guard' | 'login' | 'storm' | 'enumeration' | 'wire' | 'revocation' | 'stores'): boolean =>
  !ONLY || ONLY.has(section);
const CASES = flags.cases ? new Set(['baseline', 'raw', 'bare', ...flags.cases.split(',')]) : null;
const isAdapter = (x: string): x is HttpAdapterKind => (HTTP_ADAPTERS as readonly string[]).includes(x);
function adapterFlag(value: string): HttpAdapterKind {
  if (!isAdapter(value)) throw new Error(`bench: unknown adapter "${value}" (one of ${HTTP_ADAPTERS.join(', ')})`);
  return value;
}
/** The product's default adapter: what a deployment that sets nothing runs. */
const DEFAULT_ADAPTER: HttpAdapterKind = new Env().HTTP_ADAPTER;
/** Every section runs on it; the guard section runs all its cases on it. */
const PRIMARY: HttpAdapterKind = flags.adapter ? adapterFlag(flags.adapter) : DEFAULT_ADAPTER;
/** The adapters the guard section compares: both, unless a partial run narrows them. */
const GUARD_ADAPTERS: HttpAdapterKind[] = flags.adapters
  ? flags.adapters.split(',').map(adapterFlag)
  : [...HTTP_ADAPTERS];
const RAW: Platform = 'node:http';
/** Nest alone on each adapter (bench/bare-nest.ts): what the framework costs before the app does anything. */
const BARE: Record<HttpAdapterKind, Platform> = { express: 'nest:express', fastify: 'nest:fastify' };
/** The floors: servers that run none of the app (no env, no user, no credential). */
const isFloor = (p: Platform): boolean => p === RAW || p === BARE.express || p === BARE.fastify;
/** A platform's reference case in the guard section: each floor is its own, an adapter's app has its baseline. */
const baseId = (p: Platform): string => (p === RAW ? 'raw' : isFloor(p) ? 'bare' : 'baseline');
const S = QUICK
  ? {
      prime: 1,
      warmup: 1,
      duration: 2,
      rounds: 1,
      connections: 50,
      loginSeq: 5,
      loginDuration: 2,
      stormDuration: 2,
      enumCount: 8,
      revocationReps: 2,
      storeCount: 10_000,
      blacklistExpiry: 6,
      pool: 16,
      profileDuration: 2,
      maxProfiles: 1,
    }
  : {
      prime: 5,
      warmup: 2,
      duration: 10,
      rounds: 3,
      connections: 50,
      loginSeq: 30,
      loginDuration: 10,
      stormDuration: 10,
      enumCount: 40,
      revocationReps: 10,
      storeCount: 10_000,
      blacklistExpiry: 12,
      pool: 50,
      profileDuration: 8,
      maxProfiles: 8,
    };
if (flags.rounds) S.rounds = Number(flags.rounds);
if (flags.duration) S.duration = Number(flags.duration);
const LOGIN_CONNECTIONS = 50;
const STORM_GUARDED_CONNECTIONS = 10;
/** The guarded load during the storm runs at this share of the case's measured capacity. */
const STORM_RATE_SHARE = 0.1;
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
const ADMIN_EMAIL = 'bench-admin@example.com';
const ADMIN_PASSWORD = randomBytes(18).toString('base64url');
const WRONG_PASSWORD = 'not the password, but long';

const started = performance.now();
const log = (m: string): void =>
  console.log(`[bench ${((performance.now() - started) / 1000).toFixed(0).padStart(4)}s] ${m}`);

type Algorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

interface ServerDef {
  /** Unique in the run: the adapter, then the configuration (`sid`). */
  id: string;
  /**
   * The Nest app on `HTTP_ADAPTER`, or a floor with no app and no env: raw node:http
   * (bench/raw-http.ts) or Nest alone (bench/bare-nest.ts).
   */
  adapter: Platform;
  store: Store;
  algorithm: Algorithm;
  baseline?: boolean;
  /** Shares the database (and Redis prefix) of this server: another instance of the same deployment. */
  peerOf?: string;
}

/** A server's id: its configuration on an adapter (the primary one unless said). */
const sid = (config: string, adapter: Platform = PRIMARY): string =>
  adapter === RAW ? 'node-http' : isFloor(adapter) ? `bare-${adapter.replace(':', '-')}` : `${adapter}-${config}`;

/** The entry point of a server that is not the app. */
const scriptOf = (def: ServerDef): { script?: string } =>
  def.adapter === RAW ? { script: RAW_HTTP_JS } : isFloor(def.adapter) ? { script: BARE_NEST_JS } : {};

interface Bench {
  def: ServerDef;
  proc: ServerProcess;
  env: Record<string, string>;
  userId: string;
  jwt?: JwtLogin;
  session?: SessionLogin;
  pool: { email: string; id: string }[];
}

interface GuardCaseDef {
  /** The case, the same on every adapter; `key()` tells the adapters apart. */
  id: string;
  label: string;
  style: Style | 'none';
  adapter: Platform;
  server: string;
  store: Store;
  algorithm: Algorithm | null;
  headers: (b: Bench) => Record<string, string>;
}

const tmp = mkdtempSync(join(tmpdir(), 'auth-bench-'));
const pin: Pinning = detectPinning();
const tool: LoadSpec['tool'] = !flags.autocannon && hasWrk() ? 'wrk' : 'autocannon';
const secrets = { jwt: randomBytes(48).toString('base64url'), session: randomBytes(48).toString('base64url') };
const redisPrefixes = new Map<string, string>();
const skipped: string[] = [];
const benches = new Map<string, Bench>();
const extraProcs: ServerProcess[] = [];

function keysDir(algorithm: Exclude<Algorithm, 'HS256'>): string {
  const dir = join(tmp, `keys-${algorithm}`);
  if (existsSync(dir)) return dir;
  mkdirSync(dir);
  const { privateKey } =
    algorithm === 'RS256'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : algorithm === 'ES256'
        ? generateKeyPairSync('ec', { namedCurve: 'prime256v1' })
        : generateKeyPairSync('ed25519');
  writeFileSync(join(dir, 'signing.pem'), privateKey.export({ format: 'pem', type: 'pkcs8' }), { mode: 0o600 });
  return dir;
}

function envFor(def: ServerDef, dataKey = def.peerOf ?? def.id): Record<string, string> {
  if (def.adapter === RAW) return {};
  // Nest alone: its adapter, and NODE_ENV as the app's servers run (Express reads it).
  if (isFloor(def.adapter))
    return { NODE_ENV: 'production', BENCH_BARE_ADAPTER: def.adapter === BARE.fastify ? 'fastify' : 'express' };
  const dataDir = join(tmp, `data-${dataKey}`);
  mkdirSync(dataDir, { recursive: true });
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    HTTP_ADAPTER: def.adapter,
    // No per-request log line in any case: the figures isolate the guard (logging costs every case alike).
    LOG_LEVEL: 'warn',
    DOCS_ENABLED: 'false',
    // Plain HTTP on loopback: a Secure cookie would never be sent back.
    COOKIE_SECURE: 'false',
    JWT_SECRET: secrets.jwt,
    SESSION_SECRET: secrets.session,
    DATABASE_URL: `sqlite:${join(dataDir, 'auth.sqlite')}`,
    JWT_ALGORITHM: def.algorithm,
    // Outlives the run: a token of the first minute is still good for the last section.
    JWT_ACCESS_TTL: '3600',
    // The bench logs in thousands of times from one address: limits and lockout out of the way.
    // SESSION_MAX_PER_USER stays at its default: past it a login ends the user's oldest session.
    LOGIN_RATE_PER_IP: '100000',
    LOGIN_RATE_PER_EMAIL: '100000',
    LOGIN_MAX_FAILURES: '1000',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
  };
  if (def.algorithm !== 'HS256') env.JWT_KEYS_DIR = keysDir(def.algorithm);
  if (def.store === 'redis') {
    if (!redisPrefixes.has(dataKey)) redisPrefixes.set(dataKey, `bench:${randomUUID()}:`);
    env.REDIS_URL = REDIS_URL;
    env.REDIS_KEY_PREFIX = redisPrefixes.get(dataKey)!;
  }
  if (def.baseline) env.BENCH_BASELINE = '1';
  return env;
}

async function redisVersion(): Promise<string | null> {
  const client = createClient({ url: REDIS_URL, socket: { connectTimeout: 2000, reconnectStrategy: false } });
  client.on('error', () => {});
  try {
    await client.connect();
    const info = await client.info('server');
    return /redis_version:(\S+)/.exec(info)?.[1] ?? 'unknown';
  } catch {
    return null;
  } finally {
    if (client.isOpen) client.destroy();
  }
}

function versions(): Record<string, string> {
  const out: Record<string, string> = {};
  const pkgs = [
    '@nestjs/core',
    '@nestjs/platform-express',
    '@nestjs/platform-fastify',
    '@nestjs/passport',
    '@nestjs/jwt',
    'passport',
    'passport-jwt',
    'jsonwebtoken',
    'express',
    'express-session',
    'helmet',
    'fastify',
    '@fastify/helmet',
    '@fastify/cookie',
    '@fastify/session',
    'pino-http',
    'connect-redis',
    'redis',
    'typeorm',
    'better-sqlite3',
    'argon2',
    'autocannon',
  ];
  for (const p of pkgs) {
    try {
      out[p] = (
        JSON.parse(readFileSync(join(ROOT, 'node_modules', p, 'package.json'), 'utf8')) as { version: string }
      ).version;
    } catch {
      out[p] = 'not installed';
    }
  }
  return out;
}

function loadSpec(b: Bench, path: string, headers: Record<string, string>, extra: Partial<LoadSpec> = {}): LoadSpec {
  return {
    tool,
    url: `${b.proc.url}${path}`,
    headers,
    connections: S.connections,
    durationSec: S.duration,
    warmupSec: S.warmup,
    ...extra,
  };
}

/** Everything but a 2xx, plus socket errors and timeouts. */
function failures(r: LoadResult): number {
  const bad = Object.entries(r.status).reduce((n, [code, count]) => (code.startsWith('2') ? n : n + count), 0);
  return bad + r.errors + r.timeouts;
}

// ---------------------------------------------------------------------------------------------
// Servers

async function startServers(defs: ServerDef[]): Promise<void> {
  const main = defs.filter((d) => !d.peerOf);
  const peers = defs.filter((d) => d.peerOf);
  const start = async (def: ServerDef): Promise<void> => {
    const env = envFor(def);
    const proc = new ServerProcess({
      name: def.id,
      env,
      cpu: pin.server,
      logFile: join(tmp, `${def.id}.log`),
      ...scriptOf(def),
    });
    await proc.start();
    benches.set(def.id, { def, proc, env, userId: '', pool: [] });
  };
  // Peers open the database their main server has migrated and seeded.
  await Promise.all(main.map(start));
  await Promise.all(peers.map(start));
}

async function prepare(b: Bench): Promise<void> {
  const email = `bench-${b.def.id}@example.com`;
  if (b.def.peerOf || isFloor(b.def.adapter)) return;
  b.userId = await register(b.proc.url, email);
  if (b.def.baseline) {
    await b.proc.setFixedUser(b.userId);
    return;
  }
  b.jwt = await loginJwt(b.proc.url, email);
  b.session = await loginSession(b.proc.url, email);
}

async function ensurePool(b: Bench, size: number): Promise<void> {
  while (b.pool.length < size) {
    const batch = Array.from(
      { length: Math.min(8, size - b.pool.length) },
      () => `bench-pool-${randomUUID()}@example.com`,
    );
    const ids = await Promise.all(batch.map((e) => register(b.proc.url, e)));
    batch.forEach((email, i) => b.pool.push({ email, id: ids[i]! }));
  }
}

// ---------------------------------------------------------------------------------------------
// (1) Guard overhead

const ADAPTER_LABEL: Record<Platform, string> = {
  express: 'Express',
  fastify: 'Fastify',
  'node:http': 'node:http',
  'nest:express': 'bare Nest on Express',
  'nest:fastify': 'bare Nest on Fastify',
};
/** A case on its adapter: unique in the run (`fastify/jwt-hs256-embedded`). */
const key = (c: { id: string; adapter: Platform }): string => `${c.adapter}/${c.id}`;

type Run = LoadResult & { cpu: number };

function allGuardCases(): GuardCaseDef[] {
  const jwtCase = (adapter: HttpAdapterKind, algorithm: Algorithm, store: Store): GuardCaseDef => ({
    id: `jwt-${algorithm.toLowerCase()}-${store}`,
    label: `JWT ${algorithm}, ${store}`,
    style: 'jwt',
    adapter,
    server: sid(`${algorithm.toLowerCase()}-${store}`, adapter),
    store,
    algorithm,
    headers: (b) => bearer(b.jwt!.accessToken),
  });
  const sessionCase = (adapter: HttpAdapterKind, store: Store): GuardCaseDef => ({
    id: `session-${store}`,
    label: `Session cookie, ${store}`,
    style: 'session',
    adapter,
    server: sid(`hs256-${store}`, adapter),
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
      server: sid('', RAW),
      store: 'embedded',
      algorithm: null,
      headers: () => ({}),
    },
  ];
  for (const adapter of GUARD_ADAPTERS) {
    // The other algorithms and Redis run on the primary adapter only: what they add is the
    // verifier's or the store's, the same under either adapter, and on both they would make the
    // guard section half as long again.
    const all = adapter === PRIMARY;
    cases.push(
      // Nest alone on this adapter: splits the gap between node:http and the baseline into the
      // framework's share and the app's.
      {
        id: 'bare',
        label: 'Nest alone (fixed body)',
        style: 'none',
        adapter: BARE[adapter],
        server: sid('', BARE[adapter]),
        store: 'embedded',
        algorithm: null,
        headers: () => ({}),
      },
      {
        id: 'baseline',
        label: 'Baseline (fixed user)',
        style: 'none',
        adapter,
        server: sid('baseline', adapter),
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
  return cases;
}

function guardCases(): GuardCaseDef[] {
  return allGuardCases().filter(
    (c) => benches.has(c.server) && !(QUICK && c.id === 'jwt-es256-embedded') && (!CASES || CASES.has(c.id)),
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
async function checkCase(c: GuardCaseDef): Promise<{ headerBytes: number; bodyBytes: number }> {
  const b = benches.get(c.server)!;
  const ok = await expectStatus(
    send(b.proc.url, 'GET', '/users/me', { headers: c.headers(b) }),
    200,
    `${key(c)}: GET /users/me with its credential`,
  );
  if (!String(ok.headers['content-type']).startsWith('application/json'))
    throw new Error(`bench: ${key(c)} answered ${String(ok.headers['content-type'])}, not JSON`);
  if (c.style !== 'none')
    await expectStatus(send(b.proc.url, 'GET', '/users/me'), 401, `${key(c)}: GET /users/me without a credential`);
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

async function guardSection(): Promise<{ guard: GuardCase[]; adapterBaselines: AdapterBaselines[] }> {
  const cases = guardCases();
  const sizes = new Map<string, { headerBytes: number; bodyBytes: number }>();
  for (const c of cases) sizes.set(key(c), await checkCase(c));
  // The baselines: raw node:http, bare Nest on each adapter and each adapter's app with the
  // fixed-user guard. Every case's ratio is to its own adapter's baseline, and to node:http,
  // measured in the same round.
  const bases = cases.filter((c) => c.style === 'none');
  const others = cases.filter((c) => c.style !== 'none');
  // A case measured on both adapters runs on one right after the other: what separates the two
  // figures is the adapter, not the minute. The groups (one case, its adapters) rotate from round to
  // round, and within a group the adapter that goes first alternates.
  const groups = [...new Set(others.map((c) => c.id))].map((id) => others.filter((c) => c.id === id));
  const rounds = new Map<string, { r: Run; ratio: number; toRaw: number | null }[]>(cases.map((c) => [key(c), []]));
  const baselinesByRound: Map<Platform, Run>[] = [];
  const measure = async (c: GuardCaseDef): Promise<Run> => {
    const b = benches.get(c.server)!;
    const spec = loadSpec(b, '/users/me', c.headers(b), { warmupSec: 0 });
    await runLoad({ ...spec, durationSec: S.warmup }, pin.load);
    await b.proc.stats(true);
    const r = await runLoad(spec, pin.load);
    const cpu = (await b.proc.stats(true)).cpuUs / Math.max(1, r.requests);
    log(
      `  ${key(c).padEnd(28)} ${String(Math.round(r.rps)).padStart(6)} req/s  p50 ${r.latencyMs.p50.toFixed(2)} ms  p99 ${r.latencyMs.p99.toFixed(2)} ms  CPU ${Math.round(cpu)} µs/req${failures(r) ? `  FAILURES ${failures(r)}` : ''}`,
    );
    return { ...r, cpu };
  };
  // Each server's code is optimised by V8 as it runs: a first load brings every case to the same
  // steady state before anything is counted.
  if (S.prime > 0) log(`guard overhead: priming ${cases.length} cases, ${S.prime}s each`);
  for (const c of S.prime > 0 ? cases : []) {
    const b = benches.get(c.server)!;
    // The baselines open the first round: they get the longest start (it matters most in a quick run).
    const durationSec = c.style === 'none' ? Math.max(S.prime, 3) : S.prime;
    await runLoad(loadSpec(b, '/users/me', c.headers(b), { durationSec, warmupSec: 0 }), pin.load);
  }
  for (let round = 0; round < S.rounds; round++) {
    log(`guard overhead, round ${round + 1}/${S.rounds} (${tool}, ${S.connections} connections, ${S.duration}s each)`);
    // The baselines open and close each round (closing in the reverse order, so that each one's two
    // runs average to the middle of the round); the cases of both adapters run between them.
    const order = groups
      .map((_, i) => groups[(i + round) % groups.length]!)
      .flatMap((g) => (round % 2 === 0 ? g : [...g].reverse()));
    const opening = new Map<string, Run>();
    for (const c of bases) opening.set(key(c), await measure(c));
    const results = new Map<string, Run>();
    for (const c of order) results.set(key(c), await measure(c));
    const baseline = new Map<Platform, Run>();
    for (const c of [...bases].reverse()) {
      const r = mergeRuns(opening.get(key(c))!, await measure(c));
      results.set(key(c), r);
      baseline.set(c.adapter, r);
    }
    const raw = baseline.get(RAW)?.rps;
    for (const c of cases) {
      const r = results.get(key(c))!;
      rounds
        .get(key(c))!
        .push({ r, ratio: r.rps / baseline.get(c.adapter)!.rps, toRaw: raw === undefined ? null : r.rps / raw });
    }
    baselinesByRound.push(baseline);
  }
  const medianOf = (k: string, f: (x: { r: Run; ratio: number; toRaw: number | null }) => number): number =>
    median(rounds.get(k)!.map(f));
  const guard = cases.map((c): GuardCase => {
    const rs = rounds.get(key(c))!;
    const baseKey = key({ id: baseId(c.adapter), adapter: c.adapter });
    const baseRps = medianOf(baseKey, (x) => x.r.rps);
    const baseCpu = medianOf(baseKey, (x) => x.r.cpu);
    const rps = medianOf(key(c), (x) => x.r.rps);
    const cpu = medianOf(key(c), (x) => x.r.cpu);
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
        medianOf(key(c), (x) => x.r.latencyMs.p50),
        3,
      ),
      p99Ms: round(
        medianOf(key(c), (x) => x.r.latencyMs.p99),
        3,
      ),
      ratio: round(
        medianOf(key(c), (x) => x.ratio),
        3,
      ),
      ratioToRaw: toRaw
        ? round(
            medianOf(key(c), (x) => x.toRaw!),
            3,
          )
        : null,
      guardUs: round((1 / rps - 1 / baseRps) * 1e6, 1),
      cpuUsPerRequest: round(cpu, 1),
      cpuRatio: round(baseCpu / cpu, 3),
      ...sizes.get(key(c))!,
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
    log(
      `  ${ADAPTER_LABEL[of]} baseline / ${ADAPTER_LABEL[to]}${to === RAW ? '' : ' baseline'}: ${median(rpsRatios).toFixed(3)} (rounds ${rpsRatios.map((x) => x.toFixed(3)).join(', ')}; CPU per request ${median(cpuRatios).toFixed(3)})`,
    );
  }
  return { guard, adapterBaselines };
}

// ---------------------------------------------------------------------------------------------
// (2) Logins, and guarded latency during a login storm

const loginPath = (style: Style): string => (style === 'jwt' ? '/auth/jwt/login' : '/auth/session/login');

function loginBodies(b: Bench, password = PASSWORD): string[] {
  return b.pool.map((u) => JSON.stringify({ email: u.email, password }));
}

function loginStorm(b: Bench, style: Style, durationSec: number): LoadSpec {
  return {
    tool: 'autocannon',
    url: `${b.proc.url}${loginPath(style)}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    bodies: loginBodies(b),
    connections: LOGIN_CONNECTIONS,
    durationSec,
    timeoutSec: 60,
  };
}

async function loginSection(): Promise<LoginResult[]> {
  const out: LoginResult[] = [];
  const stores: Store[] = QUICK ? ['embedded'] : ['embedded', 'redis'];
  for (const store of stores) {
    const b = benches.get(sid(`hs256-${store}`));
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
      const r = await runLoad(loginStorm(b, style, S.loginDuration), pin.load);
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
      log(
        `  login ${style}/${store}: one at a time p50 ${row.sequential.p50Ms} ms; ${LOGIN_CONNECTIONS} at once ${row.concurrent.loginsPerSec}/s p50 ${r.latencyMs.p50} ms p99 ${r.latencyMs.p99} ms`,
      );
      out.push(row);
    }
  }
  return out;
}

interface StormRun {
  row: StormResult;
  /** The storm phase's window on the server's clock, and the requests (guarded + logins) in it. */
  window: { from: number; to: number; requests: number };
}

/** Guarded requests at a fixed rate, alone, then while LOGIN_CONNECTIONS logins run at once. */
async function stormOnce(b: Bench, style: Style, caseId: string, rate: number): Promise<StormRun> {
  const headers = style === 'jwt' ? bearer(b.jwt!.accessToken) : cookie(b.session!.cookie);
  const guarded: LoadSpec = {
    tool: 'paced',
    url: `${b.proc.url}/users/me`,
    headers,
    connections: STORM_GUARDED_CONNECTIONS,
    durationSec: S.stormDuration,
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
  await runLoad({ ...guarded, durationSec: 1 }, pin.load);
  await b.proc.stats(true);
  const quiet = phase(await runLoad(guarded, pin.load), await b.proc.stats(true));
  const stormRun = runLoad(loginStorm(b, style, S.stormDuration + 2.5), pin.load);
  await sleep(1500);
  await b.proc.stats(true);
  const from = await b.proc.mark();
  const underStorm = await runLoad(guarded, pin.load);
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

const stormCaseId = (style: Style): string => (style === 'jwt' ? 'jwt-hs256-embedded' : 'session-embedded');

function stormRate(guard: GuardCase[], style: Style): number {
  const capacity = guard.find((g) => g.id === stormCaseId(style) && g.adapter === PRIMARY)?.rps ?? 1000;
  return Math.max(20, Math.round(capacity * STORM_RATE_SHARE));
}

async function stormSection(guard: GuardCase[]): Promise<StormResult[]> {
  const out: StormResult[] = [];
  const b = benches.get(sid('hs256-embedded'));
  if (!b) return out;
  await ensurePool(b, S.pool);
  for (const style of ['jwt', 'session'] as const) {
    const { row } = await stormOnce(b, style, stormCaseId(style), stormRate(guard, style));
    const { quiet, storm } = row;
    log(
      `  storm ${style}: ${row.rate} req/s guarded; p99 quiet ${quiet.p99Ms} ms, during ${LOGIN_CONNECTIONS} logins ${storm.p99Ms} ms (×${row.p99Ratio}); event-loop delay p99 ${quiet.eventLoopDelayP99Ms} → ${storm.eventLoopDelayP99Ms} ms; ${row.loginsPerSecDuringStorm} logins/s`,
    );
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// (3) Enumeration: unknown email vs known email with a wrong password

async function enumerationSection(): Promise<EnumerationResult[]> {
  const b = benches.get(sid('hs256-embedded'));
  if (!b) return [];
  await ensurePool(b, S.pool);
  const out: EnumerationResult[] = [];
  for (const style of ['jwt', 'session'] as const) {
    const unknown: Reply[] = [];
    const known: Reply[] = [];
    const attempt = (email: string): Promise<Reply> =>
      send(b.proc.url, 'POST', loginPath(style), { json: { email, password: WRONG_PASSWORD } });
    await attempt(`nobody-${randomUUID()}@example.com`);
    await attempt(b.pool[0]!.email);
    for (let i = 0; i < S.enumCount; i++) {
      // Alternating, so drift in the machine's load falls on both kinds alike.
      unknown.push(await attempt(`nobody-${randomUUID()}@example.com`));
      known.push(await attempt(b.pool[i % b.pool.length]!.email));
    }
    const stat = (rs: Reply[]): { p50Ms: number; p90Ms: number } => {
      const t = rs.map((r) => r.ms).sort((a, c) => a - c);
      return { p50Ms: round(percentile(t, 50), 2), p90Ms: round(percentile(t, 90), 2) };
    };
    const answers = new Set([...unknown, ...known].map((r) => `${r.status} ${r.body}`));
    const row: EnumerationResult = {
      route: loginPath(style),
      count: S.enumCount,
      unknownEmail: stat(unknown),
      wrongPassword: stat(known),
      ratio: 0,
      sameAnswer: answers.size === 1,
    };
    row.ratio = round(row.unknownEmail.p50Ms / row.wrongPassword.p50Ms, 3);
    log(
      `  enumeration ${row.route}: unknown email p50 ${row.unknownEmail.p50Ms} ms, wrong password p50 ${row.wrongPassword.p50Ms} ms (×${row.ratio}); same answer: ${row.sameAnswer}`,
    );
    out.push(row);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// (4) Size on the wire

const headerBytes = (name: string, value: string): number => Buffer.byteLength(`${name}: ${value}\r\n`);
const setCookieBytes = (r: Reply): number =>
  setCookieLines(r).reduce((n, line) => n + headerBytes('Set-Cookie', line), 0);

function wireSection(): WireRow[] {
  const rows: WireRow[] = [];
  for (const config of ['hs256-embedded', 'rs256-embedded', 'es256-embedded', 'eddsa-embedded']) {
    const b = benches.get(sid(config));
    if (!b?.jwt) continue;
    const token = b.jwt.accessToken;
    rows.push({
      style: 'jwt',
      algorithm: b.def.algorithm,
      header: 'Authorization: Bearer <access token>',
      credentialBytes: Buffer.byteLength(token),
      headerBytes: headerBytes('Authorization', `Bearer ${token}`),
      extraOnWritesBytes: 0,
      loginSetCookieBytes: setCookieBytes(b.jwt.reply),
      loginBodyBytes: Buffer.byteLength(b.jwt.reply.body),
    });
  }
  const s = benches.get(sid('hs256-embedded'))?.session;
  if (s) {
    rows.push({
      style: 'session',
      algorithm: null,
      header: 'Cookie: sid=<signed session id>',
      credentialBytes: Buffer.byteLength(s.cookie.slice(s.cookie.indexOf('=') + 1)),
      headerBytes: headerBytes('Cookie', s.cookie),
      extraOnWritesBytes: headerBytes('X-CSRF-Token', s.csrfToken),
      loginSetCookieBytes: setCookieBytes(s.reply),
      loginBodyBytes: Buffer.byteLength(s.reply.body),
    });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// (5) Revocation latency

/** Sends `check()` until it answers 401; returns when (ms since `t0`) and how many passed first. */
async function firstRefusal(t0: number, check: () => Promise<Reply>): Promise<{ ms: number; accepted: number }> {
  let accepted = 0;
  for (let i = 0; i < 500; i++) {
    const r = await check();
    if (r.status === 401) return { ms: performance.now() - t0, accepted };
    if (r.status !== 200) throw new Error(`bench: revocation check answered ${r.status}`);
    accepted++;
  }
  throw new Error('bench: a revoked credential was still accepted after 500 requests');
}

async function revocationSection(): Promise<RevocationRow[]> {
  const rows: RevocationRow[] = [];
  for (const store of ['embedded', 'redis'] as const) {
    const main = benches.get(sid(`hs256-${store}`));
    const peer = benches.get(sid(`peer-${store}`));
    if (!main) continue;
    await ensurePool(main, S.pool);
    const admin = await loginJwt(main.proc.url, ADMIN_EMAIL, ADMIN_PASSWORD);
    const targets: [RevocationRow['instance'], Bench][] = [['same', main]];
    if (peer) targets.push(['other', peer]);
    for (const [instance, target] of targets) {
      const samples = new Map<string, { ms: number[]; call: number[]; accepted: number }>();
      const add = (style: Style, action: RevocationRow['action'], ms: number, call: number, accepted: number): void => {
        const key = `${style}|${action}`;
        const s = samples.get(key) ?? { ms: [], call: [], accepted: 0 };
        s.ms.push(ms);
        s.call.push(call);
        s.accepted += accepted;
        samples.set(key, s);
      };
      const get = (headers: Record<string, string>): Promise<Reply> =>
        send(target.proc.url, 'GET', '/users/me', { headers });
      for (let rep = 0; rep < S.revocationReps; rep++) {
        const user = main.pool[rep % main.pool.length]!;
        // Session logout.
        const s = await loginSession(main.proc.url, user.email);
        await expectStatus(get(cookie(s.cookie)), 200, `${store}/${instance}: cookie before logout`);
        let t0 = performance.now();
        let call = await expectStatus(
          send(main.proc.url, 'POST', '/auth/session/logout', {
            headers: { ...cookie(s.cookie), 'x-csrf-token': s.csrfToken },
          }),
          204,
          'session logout',
        );
        let seen = await firstRefusal(t0, () => get(cookie(s.cookie)));
        add('session', 'logout', seen.ms, call.ms, seen.accepted);
        // JWT logout.
        const j = await loginJwt(main.proc.url, user.email);
        await expectStatus(get(bearer(j.accessToken)), 200, `${store}/${instance}: token before logout`);
        t0 = performance.now();
        call = await expectStatus(
          send(main.proc.url, 'POST', '/auth/jwt/logout', { headers: bearer(j.accessToken) }),
          204,
          'jwt logout',
        );
        seen = await firstRefusal(t0, () => get(bearer(j.accessToken)));
        add('jwt', 'logout', seen.ms, call.ms, seen.accepted);
        // Forced logout by an admin: both credentials of the user at once.
        const victim = main.pool[main.pool.length - 1 - (rep % main.pool.length)]!;
        const vs = await loginSession(main.proc.url, victim.email);
        const vj = await loginJwt(main.proc.url, victim.email);
        await expectStatus(get(cookie(vs.cookie)), 200, 'victim cookie before');
        await expectStatus(get(bearer(vj.accessToken)), 200, 'victim token before');
        t0 = performance.now();
        call = await expectStatus(
          send(main.proc.url, 'POST', `/admin/users/${victim.id}/logout`, { headers: bearer(admin.accessToken) }),
          204,
          'forced logout',
        );
        const [fs, fj] = await Promise.all([
          firstRefusal(t0, () => get(cookie(vs.cookie))),
          firstRefusal(t0, () => get(bearer(vj.accessToken))),
        ]);
        add('session', 'forced logout', fs.ms, call.ms, fs.accepted);
        add('jwt', 'forced logout', fj.ms, call.ms, fj.accepted);
      }
      for (const [key, s] of samples) {
        const [style, action] = key.split('|') as [Style, RevocationRow['action']];
        const row: RevocationRow = {
          style,
          action,
          store,
          instance,
          reps: s.ms.length,
          p50Ms: round(median(s.ms), 2),
          maxMs: round(Math.max(...s.ms), 2),
          callP50Ms: round(median(s.call), 2),
          acceptedAfterLogout: s.accepted,
        };
        rows.push(row);
        log(
          `  revocation ${style} ${action} (${store}, ${instance} instance): first refusal after ${row.p50Ms} ms (max ${row.maxMs}); accepted after logout: ${row.acceptedAfterLogout}`,
        );
      }
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------
// (6) Goals and CPU profiles

function goals(guard: GuardCase[], storm: StormResult[]): Goal[] {
  const out: Goal[] = [];
  /** A guarded case's req/s ratio, to its adapter's baseline or to raw node:http, at least `min`. */
  const ratio = (adapter: HttpAdapterKind, id: string, min: number, text: string, to: 'baseline' | 'raw'): void => {
    const c = guard.find((g) => g.id === id && g.adapter === adapter);
    const value = to === 'baseline' ? c?.ratio : c?.ratioToRaw;
    if (!c || value === null || value === undefined) return;
    out.push({
      id: `${key(c)}${to === 'raw' ? '/raw' : ''}`,
      caseKey: key(c),
      text: `${ADAPTER_LABEL[adapter]}: ${text}`,
      target: `≥ ${min.toFixed(2)}`,
      value,
      met: value >= min && c.failures === 0,
    });
  };
  // The goals set on Express, before the Fastify adapter came: judged on the primary adapter, the
  // one every case runs on.
  const p = PRIMARY;
  ratio(p, 'jwt-hs256-embedded', 0.8, 'JWT-guarded (HS256), embedded store: req/s ratio to the baseline', 'baseline');
  ratio(p, 'jwt-hs256-redis', 0.75, 'JWT-guarded (HS256), Redis: req/s ratio to the baseline', 'baseline');
  ratio(p, 'session-embedded', 0.8, 'Session-guarded, embedded store: req/s ratio to the baseline', 'baseline');
  ratio(p, 'session-redis', 0.75, 'Session-guarded, Redis: req/s ratio to the baseline', 'baseline');
  // Fastify's own: to its own baseline, and to node:http with nothing on top.
  const f = 'fastify';
  ratio(
    f,
    'jwt-hs256-embedded',
    0.6,
    'JWT-guarded (HS256), embedded store: req/s ratio to the Fastify baseline',
    'baseline',
  );
  ratio(f, 'session-embedded', 0.6, 'Session-guarded, embedded store: req/s ratio to the Fastify baseline', 'baseline');
  ratio(f, 'jwt-hs256-embedded', 0.35, 'JWT-guarded (HS256), embedded store: req/s ratio to raw node:http', 'raw');
  ratio(f, 'session-embedded', 0.35, 'Session-guarded, embedded store: req/s ratio to raw node:http', 'raw');
  for (const s of storm) {
    out.push({
      id: `storm-${s.style}`,
      text: `Guarded p99 (${s.style === 'jwt' ? 'Bearer' : 'cookie'}) during ${s.loginConnections} concurrent logins ÷ without`,
      target: '≤ 3.00',
      value: s.p99Ratio,
      met: s.p99Ratio <= 3,
    });
  }
  return out;
}

/** A fresh server like `c`'s, started with `--cpu-prof`; `work` runs the load and returns its window. */
async function profiled(
  id: string,
  like: ServerDef,
  work: (b: Bench) => Promise<{ from: number; to: number; requests: number }>,
): Promise<ProfileSummary> {
  const def: ServerDef = { ...like, id: `profile-${id.replace(/[^\w.-]/g, '-')}` };
  const dir = join(tmp, def.id);
  mkdirSync(dir);
  const proc = new ServerProcess({
    name: def.id,
    env: envFor(def, def.id),
    cpu: pin.server,
    logFile: join(tmp, `${def.id}.log`),
    cpuProfDir: dir,
    ...scriptOf(def),
  });
  extraProcs.push(proc);
  await proc.start();
  const b: Bench = { def, proc, env: {}, userId: '', pool: [] };
  await prepare(b);
  const window = await work(b);
  await proc.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`bench: no CPU profile written for ${id}`);
  if (flags['keep-profiles']) {
    mkdirSync(join(RESULTS_DIR, 'profiles'), { recursive: true });
    copyFileSync(join(dir, file), join(RESULTS_DIR, 'profiles', `${def.id.slice('profile-'.length)}.cpuprofile`));
  }
  return { ...summariseProfile(join(dir, file), id, window.requests, window.from, window.to), adapter: def.adapter };
}

function profileGuardCase(c: GuardCaseDef): Promise<ProfileSummary> {
  return profiled(key(c), benches.get(c.server)!.def, async (b) => {
    const spec = loadSpec(b, '/users/me', c.headers(b), { durationSec: S.profileDuration, warmupSec: 0 });
    await runLoad({ ...spec, durationSec: Math.max(1, S.warmup) }, pin.load);
    const from = await b.proc.mark();
    const r = await runLoad(spec, pin.load);
    return { from, to: await b.proc.mark(), requests: r.requests };
  });
}

function profileStorm(style: Style, rate: number): Promise<ProfileSummary> {
  return profiled(`storm-${style}`, benches.get(sid('hs256-embedded'))!.def, async (b) => {
    await ensurePool(b, S.pool);
    return (await stormOnce(b, style, stormCaseId(style), rate)).window;
  });
}

// ---------------------------------------------------------------------------------------------

async function cleanup(): Promise<void> {
  await Promise.all([...benches.values()].map((b) => b.proc.stop()));
  await Promise.all(extraProcs.map((p) => p.stop()));
  if (redisPrefixes.size > 0) {
    const client = createClient({ url: REDIS_URL, socket: { reconnectStrategy: false } });
    client.on('error', () => {});
    try {
      await client.connect();
      for (const prefix of redisPrefixes.values()) {
        for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
          if (keys.length) await client.del(keys);
      }
    } catch {
      // Nothing to clean if Redis went away.
    } finally {
      if (client.isOpen) client.destroy();
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}

async function main(): Promise<void> {
  const load = loadavg();
  log(`${QUICK ? 'quick' : 'full'} run; ${pin.note}; load generator: ${tool}; temp ${tmp}`);
  log(
    `guard section on ${[RAW, ...GUARD_ADAPTERS.map((a) => BARE[a]), ...GUARD_ADAPTERS].join(', ')}; every other section on ${PRIMARY}${PRIMARY === DEFAULT_ADAPTER ? " (the product's default adapter)" : ''}`,
  );
  const redis = await redisVersion();
  if (!redis) skipped.push(`Redis cases: no Redis at ${REDIS_URL} (set BENCH_REDIS_URL)`);
  const nest = (
    adapter: HttpAdapterKind,
    config: string,
    store: Store,
    algorithm: Algorithm,
    extra: Partial<ServerDef> = {},
  ): ServerDef => ({ id: sid(config, adapter), adapter, store, algorithm, ...extra });
  const p = PRIMARY;
  const defs: ServerDef[] = [
    { id: sid('', RAW), adapter: RAW, store: 'embedded', algorithm: 'HS256' },
    ...GUARD_ADAPTERS.map((a): ServerDef => ({
      id: sid('', BARE[a]),
      adapter: BARE[a],
      store: 'embedded',
      algorithm: 'HS256',
    })),
    ...[...new Set([p, ...GUARD_ADAPTERS])].flatMap((adapter) => [
      nest(adapter, 'baseline', 'embedded', 'HS256', { baseline: true }),
      nest(adapter, 'hs256-embedded', 'embedded', 'HS256'),
    ]),
    nest(p, 'rs256-embedded', 'embedded', 'RS256'),
    // ES256 is measured in the full run only (a quick run has no time for a fifth JWT case).
    ...(QUICK ? [] : [nest(p, 'es256-embedded', 'embedded', 'ES256')]),
    nest(p, 'eddsa-embedded', 'embedded', 'EdDSA'),
    // Second instances on the same stores, for revocation seen from another instance (full run).
    ...(QUICK ? [] : [nest(p, 'peer-embedded', 'embedded', 'HS256', { peerOf: sid('hs256-embedded') })]),
    ...(redis
      ? [
          nest(p, 'hs256-redis', 'redis', 'HS256'),
          ...(QUICK ? [] : [nest(p, 'peer-redis', 'redis', 'HS256', { peerOf: sid('hs256-redis') })]),
        ]
      : []),
  ];
  // A partial run starts only the servers its sections use.
  const needed = new Set<string>();
  if (want('guard')) for (const c of allGuardCases()) if (!CASES || CASES.has(c.id)) needed.add(c.server);
  if (want('login') || want('storm') || want('enumeration')) needed.add(sid('hs256-embedded')).add(sid('hs256-redis'));
  if (want('wire'))
    ['hs256-embedded', 'rs256-embedded', 'es256-embedded', 'eddsa-embedded'].forEach((x) => needed.add(sid(x)));
  if (want('revocation'))
    ['hs256-embedded', 'hs256-redis', 'peer-embedded', 'peer-redis'].forEach((x) => needed.add(sid(x)));
  const toStart = defs.filter((d) => needed.has(d.id));
  log(`starting ${toStart.length} servers`);
  await startServers(toStart);
  await Promise.all([...benches.values()].map(prepare));

  const { guard, adapterBaselines } = want('guard') ? await guardSection() : { guard: [], adapterBaselines: [] };
  const serverMemory: ServerMemory[] = [];
  for (const b of benches.values()) {
    if (b.def.peerOf) continue;
    const st = await b.proc.stats(true);
    serverMemory.push({ server: b.def.id, rssBytes: st.rssBytes, heapUsedBytes: st.heapUsedBytes });
  }
  if (want('login')) log('logins');
  const login = want('login') ? await loginSection() : [];
  if (want('storm')) log('guarded latency during a login storm');
  const storm = want('storm') ? await stormSection(guard) : [];
  if (want('enumeration')) log('enumeration timing');
  const enumeration = want('enumeration') ? await enumerationSection() : [];
  const wire = want('wire') ? wireSection() : [];
  if (want('revocation')) log('revocation latency');
  const revocation = want('revocation') ? await revocationSection() : [];
  if (want('stores')) log('store footprint');
  const stores = want('stores')
    ? await measureStores(tmp, redis ? REDIS_URL : null, S.storeCount, S.blacklistExpiry, log)
    : { footprints: [], blacklistExpiry: [] };
  for (const f of stores.footprints)
    log(`  ${f.what} (${f.store}): ${f.rows} rows/keys, ${f.bytes} bytes (${f.bytesPerEntry} per entry)`);
  for (const e of stores.blacklistExpiry)
    log(
      `  blacklist after expiry (${e.store}): revoked ${e.revokedAfterExpiry}, present ${e.presentAfterExpiry}, after purge ${e.presentAfterPurge}`,
    );

  const goalList = goals(guard, storm);
  const profiles: ProfileSummary[] = [];
  const always = flags.profile === 'always';
  const never = flags.profile === 'never';
  const missed = (id: string): boolean => always || (!never && goalList.some((g) => g.id === id && !g.met));
  // The guarded cases of the throughput goals (the primary adapter's, and Fastify's), when missed.
  // A quick run profiles one at most; a full run up to S.maxProfiles. Each adapter's baseline is
  // profiled with them: the report reads a case's profile against its own baseline's.
  const guardToProfile = [
    ...new Set(goalList.filter((g) => g.caseKey !== undefined && missed(g.id)).map((g) => g.caseKey!)),
  ].slice(0, S.maxProfiles);
  // The goals against node:http among them.
  const rawGoals = goalList.filter((g) => g.id.endsWith('/raw') && guardToProfile.includes(g.caseKey!));
  const baselinesToProfile = [
    // node:http alone too when a goal against it is missed: what any HTTP server pays per request;
    // and Nest alone on that goal's adapter: what the framework adds to it.
    ...(rawGoals.length > 0 ? [key({ id: 'raw', adapter: RAW })] : []),
    ...new Set(rawGoals.map((g) => key({ id: 'bare', adapter: BARE[g.caseKey!.split('/')[0] as HttpAdapterKind] }))),
    ...new Set(guardToProfile.map((k) => `${k.split('/')[0]!}/baseline`)),
  ];
  const stormToProfile = (['jwt', 'session'] as const)
    .filter((style) => want('storm') && missed(`storm-${style}`))
    .slice(0, Math.max(0, S.maxProfiles - guardToProfile.length));
  // A quick run must end within three minutes, build included: it leaves the profiles to the full
  // run when the rest has taken long (a busy machine).
  const late = QUICK && performance.now() - started > 130_000;
  if (late && (guardToProfile.length > 0 || stormToProfile.length > 0))
    skipped.push('CPU profiles: this quick run was too slow to take them within its budget (the full run takes them)');
  if (!late && (guardToProfile.length > 0 || stormToProfile.length > 0)) {
    log(
      `CPU profiles (--cpu-prof) of ${[...baselinesToProfile, ...guardToProfile, ...stormToProfile.map((x) => `storm-${x}`)].join(', ')}`,
    );
    const show = (p: ProfileSummary): void =>
      log(
        `  ${p.caseId}: main thread busy ${p.busyUsPerRequest} µs per request; ${p.byAppCode
          .slice(0, 4)
          .map((x) => `${x.name} ${x.selfPct}%`)
          .join(', ')}`,
      );
    for (const k of [...baselinesToProfile, ...guardToProfile]) {
      const c = guardCases().find((x) => key(x) === k);
      if (!c) continue;
      profiles.push(await profileGuardCase(c));
      show(profiles[profiles.length - 1]!);
    }
    for (const style of stormToProfile) {
      profiles.push(await profileStorm(style, stormRate(guard, style)));
      show(profiles[profiles.length - 1]!);
    }
  }

  const results: BenchResults = {
    schema: 2,
    mode: QUICK ? 'quick' : 'full',
    date: new Date().toISOString(),
    wallSec: Math.round((performance.now() - started) / 1000),
    machine: {
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
      loadAverageAtStart: load.map((x) => round(x, 2)),
      os: `${platform()} ${release()}`,
      node: process.version,
      pinning: pin.note,
      loadTool: tool === 'wrk' ? (wrkVersion() ?? 'wrk') : 'autocannon',
      redis,
    },
    versions: versions(),
    settings: {
      connections: S.connections,
      warmupSec: S.warmup,
      durationSec: S.duration,
      rounds: S.rounds,
      logLevel: 'warn',
      notes: [
        'Every server is the real AppModule configured as main.ts does, NODE_ENV=production, LOG_LEVEL=warn (no per-request log line in any case), built through the Nest testing module so that the baseline can override the global guard.',
        `Guarded requests during the storm run at a fixed ${Math.round(STORM_RATE_SHARE * 100)}% of the case's measured capacity from ${STORM_GUARDED_CONNECTIONS} connections, so their latency is the server's, not a queue's.`,
        'Rate limits, lockout and the per-user session cap are raised for the bench (it logs in thousands of times from one address).',
        `The guard section runs on ${GUARD_ADAPTERS.map((a) => ADAPTER_LABEL[a]).join(' and ')} (HTTP_ADAPTER), on raw node:http and on Nest alone on each adapter (bench/bare-nest.ts: one controller, the same fixed body) in the same rounds; the other JWT algorithms and the Redis cases, and every other section, on ${ADAPTER_LABEL[PRIMARY]}${PRIMARY === DEFAULT_ADAPTER ? ", the product's default adapter" : ''}.`,
      ],
    },
    adapters: { default: DEFAULT_ADAPTER, primary: PRIMARY, guard: GUARD_ADAPTERS },
    adapterBaselines,
    guard,
    login,
    storm,
    enumeration,
    wire,
    stores,
    revocation,
    serverMemory,
    goals: goalList,
    profiles,
    skipped,
  };
  mkdirSync(RESULTS_DIR, { recursive: true });
  if (ONLY || CASES || flags.rounds || flags.duration) {
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
  await cleanup();
}
log(`done in ${Math.round((performance.now() - started) / 1000)}s`);
process.exit(exitCode);
