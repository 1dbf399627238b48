import type { MetricsCost } from '../sections/metrics.js';
/** The shape of `bench/results/latest.json`: every figure of one run. */

export type Store = 'embedded' | 'redis';
export type Style = 'jwt' | 'session';
/**
 * What a bench server runs on: the app on one of Nest's HTTP adapters, node:http alone (no app), or
 * Nest alone on an adapter (`nest:fastify`: one controller, a fixed body, no app; absent from
 * results before it was measured), or one of the alternatives the report sets this server against
 * (bench/peers/: `nest-recipe`, `better-auth`; absent from results before they were measured).
 */
export type Platform = 'express' | 'fastify' | 'node:http' | 'nest:express' | 'nest:fastify' | Alternative;
/** The alternatives (bench/peers/): the NestJS documentation's JWT recipe, Better Auth's getSession. */
export type Alternative = 'nest-recipe' | 'better-auth';

export interface GuardRound {
  rps: number;
  cpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  /** rps / the same adapter's baseline rps in the same round (mean of the runs opening and closing it). */
  ratio: number;
  /** rps / raw node:http's rps in the same round (the same mean); null when it was not measured. */
  ratioToRaw: number | null;
}

export interface GuardCase {
  /**
   * The same on every adapter (`jwt-hs256-embedded`); `baseline` is each adapter's fixed-user app,
   * `raw` node:http alone, `bare` Nest alone on `nest:express` / `nest:fastify`.
   */
  id: string;
  adapter: Platform;
  label: string;
  style: Style | 'none';
  algorithm: string | null;
  store: Store;
  /** Medians over the rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  /** Median over the rounds of the ratio to the same adapter's baseline. */
  ratio: number;
  /** Median over the rounds of the ratio to raw node:http; null when it was not measured. */
  ratioToRaw: number | null;
  /** Median over the rounds of the ratio to Nest alone on the same adapter; null when it was not measured. */
  ratioToBare?: number | null;
  /** Median over the rounds of the ratio to the same adapter's public route (`public`); null when not measured. */
  ratioToPublic?: number | null;
  /** Extra server time per request over the same adapter's baseline, µs: 1/rps − 1/rps(baseline), from the medians. */
  guardUs: number;
  rounds: GuardRound[];
  /** Server CPU time (all threads) per request, µs, median over the rounds: steadier than req/s on a shared machine. */
  cpuUsPerRequest: number;
  /** baseline CPU per request / this case's: what the req/s ratio would be with the core to itself. */
  cpuRatio: number;
  /** A case on Redis: Redis's own CPU time per request, µs (`INFO cpu`), median over the rounds. */
  redisCpuUsPerRequest?: number;
  /** Non-2xx responses, socket errors and timeouts over all rounds: any makes the case invalid. */
  failures: number;
  /** The answer to one request before the load: its header block and its body, bytes. */
  headerBytes: number;
  bodyBytes: number;
}

/** One baseline against another, round by round: the adapters compared with each other and with node:http. */
export interface AdapterBaselines {
  of: Platform;
  to: Platform;
  /** `of`'s baseline req/s ÷ `to`'s in the same round, median over the rounds. */
  ratio: number;
  /** `to`'s CPU per request ÷ `of`'s, median over the rounds: the ratio with the core to itself. */
  cpuRatio: number;
  rounds: number[];
}

/** This server's guarded case against an alternative's, in the same rounds. */
export interface AlternativeComparison {
  /** Our guard case (`fastify/jwt-hs256-embedded`). */
  caseKey: string;
  /** Our req/s ÷ the alternative's, round by round, and their median. */
  ratio: number;
  rounds: number[];
  /** The alternative's server CPU per request ÷ ours, median over the rounds: the ratio with the core to itself. */
  cpuRatio: number;
}

/**
 * An alternative (bench/peers/) measured in the guard section's rounds, exactly as this server's
 * cases are (the same load generator, connections, durations, pinning), on its own guarded route.
 */
export interface AlternativeCase {
  /** `nest-recipe`, `better-auth`, `better-auth-cookie-cache`. */
  id: string;
  platform: Alternative;
  label: string;
  /** The route measured and the credential it is sent. */
  route: string;
  credential: string;
  /** The HTTP framework it is served by. */
  framework: string;
  /** What it checks on every request (the report's fair note). */
  checks: string;
  /** Where its time goes, when a profile found something a reader would not expect. */
  note?: string;
  /** The libraries it runs on, by package, as installed. */
  versions: Record<string, string>;
  /** Medians over the rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuUsPerRequest: number;
  rounds: { rps: number; cpuUsPerRequest: number; p50Ms: number; p99Ms: number }[];
  failures: number;
  headerBytes: number;
  bodyBytes: number;
  /** Each of our guarded cases (Bearer and cookie on each measured adapter) ÷ this one. */
  vs: AlternativeComparison[];
}

export interface LoginResult {
  style: Style;
  store: Store;
  /** One login at a time. */
  sequential: { count: number; p50Ms: number; p90Ms: number };
  /** `connections` logins in flight at once. */
  concurrent: {
    connections: number;
    durationSec: number;
    loginsPerSec: number;
    p50Ms: number;
    p99Ms: number;
    failures: number;
  };
}

export interface StormPhase {
  rps: number;
  /** Share of the phase the server's event loop was busy (1: never idle, requests queue). */
  eventLoopUtilization: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  eventLoopDelayP99Ms: number;
  eventLoopDelayMaxMs: number;
  failures: number;
}

export interface StormResult {
  caseId: string;
  style: Style;
  store: Store;
  /** The fixed rate of the guarded requests in both phases, req/s. */
  rate: number;
  loginConnections: number;
  quiet: StormPhase;
  storm: StormPhase;
  loginsPerSecDuringStorm: number;
  /** storm p99 / quiet p99 */
  p99Ratio: number;
  /**
   * Every pair of phases run, in order (the row's figures are those of the pair with the median
   * ratio); absent in runs before 2026-12-03, which ran one pair.
   */
  pairs?: { quietP99Ms: number; stormP99Ms: number; p99Ratio: number }[];
}

export interface EnumerationResult {
  route: string;
  count: number;
  unknownEmail: { p50Ms: number; p90Ms: number };
  wrongPassword: { p50Ms: number; p90Ms: number };
  /** unknown p50 / known p50 */
  ratio: number;
  /** Status and body identical for both kinds. */
  sameAnswer: boolean;
}

/** Sign-ins of an existing user, alone and during a flood of parallel sign-ups from one IP (issue 16). */
export interface SignupFloodResult {
  signups: number;
  created: number;
  /** Sign-ups answered 503 (the hashing queue was full). */
  busy: number;
  logins: number;
  quiet: { p50Ms: number; maxMs: number };
  duringFlood: { p50Ms: number; maxMs: number };
  /** duringFlood p50 / quiet p50 */
  ratio: number;
}

export interface WireRow {
  style: Style;
  algorithm: string | null;
  /** What the client sends on every request. */
  header: string;
  credentialBytes: number;
  headerBytes: number;
  /** Extra header on state-changing requests (the session's CSRF token). */
  extraOnWritesBytes: number;
  /** What the login response sets: Set-Cookie lines and JSON body. */
  loginSetCookieBytes: number;
  loginBodyBytes: number;
}

export interface StoreFootprint {
  what: string;
  store: Store;
  count: number;
  /** SQLite: rows and bytes (pages of the table and its indexes, from dbstat); Redis: keys and MEMORY USAGE summed. */
  rows: number;
  bytes: number;
  bytesPerEntry: number;
  /** Redis only: INFO used_memory delta (noisy on a shared Redis). */
  usedMemoryDelta?: number;
}

export interface BlacklistExpiry {
  store: Store;
  count: number;
  expirySec: number;
  /** Entries still counted as revoked after their expiry (must be 0). */
  revokedAfterExpiry: number;
  /** Rows or keys physically present after expiry, before any purge. */
  presentAfterExpiry: number;
  /** After the purge the app runs every minute (embedded) / Redis' own expiry. */
  presentAfterPurge: number;
}

export interface RevocationRow {
  style: Style;
  action: 'logout' | 'forced logout';
  store: Store;
  instance: 'same' | 'other';
  reps: number;
  /** From sending the logout to receiving the first refused request, ms. */
  p50Ms: number;
  maxMs: number;
  /** The logout (or admin) call alone, ms. */
  callP50Ms: number;
  /** Requests accepted after the logout call had answered (must be 0). */
  acceptedAfterLogout: number;
}

export interface ServerMemory {
  server: string;
  rssBytes: number;
  heapUsedBytes: number;
}

export interface ProfileSummary {
  /** `adapter/case` for a guard case (`fastify/baseline`), `storm-jwt` / `storm-session` for a storm. */
  caseId: string;
  adapter?: Platform;
  requests: number;
  sampledMs: number;
  idlePct: number;
  gcPct: number;
  /** Server CPU per request over the window, µs (busy samples / requests). */
  busyUsPerRequest: number;
  topFunctions: { name: string; where: string; selfPct: number; usPerRequest: number }[];
  byPackage: { name: string; selfPct: number; usPerRequest: number }[];
  /** Samples by the innermost package on their stack that is not node's or V8's: node internals charged to their caller. */
  byCallerPackage?: { name: string; selfPct: number; usPerRequest: number }[];
  /** Samples by the innermost application file on their stack (libraries it called included). */
  byAppCode: { name: string; selfPct: number; usPerRequest: number }[];
}

export interface Goal {
  id: string;
  /** The guard case (`adapter/case`) whose throughput it judges: profiled when the goal is missed. */
  caseKey?: string;
  text: string;
  target: string;
  value: number;
  met: boolean;
}

export interface BenchResults {
  /**
   * 2: guard cases per adapter (`adapter`, `ratioToRaw`), `adapters`, `adapterBaselines`; later runs
   * of 2 add Nest alone (`nest:*` guard cases), which a reader treats as optional. 1: Express only.
   */
  schema: 1 | 2;
  mode: 'quick' | 'full';
  date: string;
  wallSec: number;
  machine: {
    cpuModel: string;
    cores: number;
    memoryGiB: number;
    loadAverageAtStart: number[];
    os: string;
    node: string;
    /** The flags every server ran with (package.json's `start:prod`); absent in older results. */
    serverNodeFlags?: string;
    pinning: string;
    loadTool: string;
    redis: string | null;
  };
  versions: Record<string, string>;
  settings: {
    connections: number;
    warmupSec: number;
    durationSec: number;
    rounds: number;
    logLevel: string;
    notes: string[];
  };
  /** The product's default adapter, the one every section but the guard's ran on, and the guard's. */
  adapters: { default: Platform; primary: Platform; guard: Platform[] };
  adapterBaselines: AdapterBaselines[];
  guard: GuardCase[];
  /** The alternatives measured in the guard section's rounds (absent before they were). */
  alternatives?: AlternativeCase[];
  login: LoginResult[];
  storm: StormResult[];
  enumeration: EnumerationResult[];
  /** Absent in results from before issue 16. */
  signupFlood?: SignupFloodResult[];
  wire: WireRow[];
  stores: { footprints: StoreFootprint[]; blacklistExpiry: BlacklistExpiry[] };
  revocation: RevocationRow[];
  /** Cost of metrics on the guarded routes (bench/sections/metrics.ts); absent in older runs. */
  metrics?: MetricsCost;
  serverMemory: ServerMemory[];
  goals: Goal[];
  profiles: ProfileSummary[];
  skipped: string[];
}
