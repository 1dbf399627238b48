/** The shape of `bench/results/latest.json`: every figure of one run. */

export type Store = 'embedded' | 'redis';
export type Style = 'jwt' | 'session';

export interface GuardRound {
  rps: number;
  cpuUsPerRequest: number;
  p50Ms: number;
  p99Ms: number;
  /** rps / the baseline's rps in the same round (mean of the baseline runs opening and closing it). */
  ratio: number;
}

export interface GuardCase {
  id: string;
  label: string;
  style: Style | 'none';
  algorithm: string | null;
  store: Store;
  /** Medians over the rounds. */
  rps: number;
  p50Ms: number;
  p99Ms: number;
  ratio: number;
  /** Extra server time per request over the baseline, µs: 1/rps − 1/rps(baseline), from the medians. */
  guardUs: number;
  rounds: GuardRound[];
  /** Server CPU time (all threads) per request, µs, median over the rounds: steadier than req/s on a shared machine. */
  cpuUsPerRequest: number;
  /** baseline CPU per request / this case's: what the req/s ratio would be with the core to itself. */
  cpuRatio: number;
  /** Non-2xx responses, socket errors and timeouts over all rounds: any makes the case invalid. */
  failures: number;
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
  caseId: string;
  requests: number;
  sampledMs: number;
  idlePct: number;
  gcPct: number;
  /** Server CPU per request over the window, µs (busy samples / requests). */
  busyUsPerRequest: number;
  topFunctions: { name: string; where: string; selfPct: number; usPerRequest: number }[];
  byPackage: { name: string; selfPct: number; usPerRequest: number }[];
  /** Samples by the innermost application file on their stack (libraries it called included). */
  byAppCode: { name: string; selfPct: number; usPerRequest: number }[];
}

export interface Goal {
  id: string;
  text: string;
  target: string;
  value: number;
  met: boolean;
}

export interface BenchResults {
  schema: 1;
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
  guard: GuardCase[];
  login: LoginResult[];
  storm: StormResult[];
  enumeration: EnumerationResult[];
  wire: WireRow[];
  stores: { footprints: StoreFootprint[]; blacklistExpiry: BlacklistExpiry[] };
  revocation: RevocationRow[];
  serverMemory: ServerMemory[];
  goals: Goal[];
  profiles: ProfileSummary[];
  skipped: string[];
}
