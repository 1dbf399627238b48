/**
 * What every section of a run shares: the settings `--quick` chooses, the adapters, the load
 * generator, the running servers and the log. run.ts builds one per run and hands it to each
 * section.
 */
import type { HttpAdapterKind } from '../../src/config/env.js';
import type { LoadSpec } from '../load.js';
import type { Pinning } from './processes.js';
import type { BenchServers } from './servers.js';

export interface Settings {
  /** Guard section: seconds of load on each case before the first round. */
  prime: number;
  /** Guard section: seconds of load before each measured run. */
  warmup: number;
  /** Guard section: seconds of each measured run. */
  duration: number;
  rounds: number;
  connections: number;
  /** Logins one at a time, per style and store. */
  loginSeq: number;
  /** Seconds of the concurrent logins. */
  loginDuration: number;
  /** Seconds of each phase of the storm (quiet, then during the logins). */
  stormDuration: number;
  /**
   * Seconds the storm's guarded load runs, unmeasured, in its own process before each phase: a new
   * load process's first seconds at a few thousand requests a second are its own stalls (JIT, heap
   * growth), which the p99 of the phase would otherwise measure.
   */
  stormWarmup: number;
  /**
   * Quiet and storm phases run in this many pairs, one after the other; the storm's row is the
   * pair with the median p99 ratio, so one stall of a shared host does not decide the goal.
   */
  stormPairs: number;
  /** Attempts of each kind (unknown email, wrong password) per login route. */
  enumCount: number;
  revocationReps: number;
  /** Entries of each kind in the store footprint. */
  storeCount: number;
  /** Seconds the blacklist entries of the store footprint live. */
  blacklistExpiry: number;
  /** Registered users that logins cycle through. */
  pool: number;
  profileDuration: number;
  maxProfiles: number;
}

export const SETTINGS: Record<'quick' | 'full', Readonly<Settings>> = {
  quick: {
    prime: 1,
    warmup: 1,
    duration: 2,
    rounds: 1,
    connections: 50,
    loginSeq: 5,
    loginDuration: 2,
    stormDuration: 2,
    stormWarmup: 2,
    stormPairs: 1,
    enumCount: 8,
    revocationReps: 2,
    storeCount: 10_000,
    blacklistExpiry: 6,
    pool: 16,
    profileDuration: 2,
    maxProfiles: 1,
  },
  full: {
    prime: 5,
    warmup: 2,
    duration: 10,
    rounds: 3,
    connections: 50,
    loginSeq: 30,
    loginDuration: 10,
    stormDuration: 10,
    stormWarmup: 8,
    stormPairs: 3,
    enumCount: 40,
    revocationReps: 10,
    storeCount: 10_000,
    blacklistExpiry: 12,
    pool: 50,
    profileDuration: 8,
    maxProfiles: 8,
  },
};

export interface RunContext {
  quick: boolean;
  settings: Settings;
  /** The product's default adapter: what a deployment that sets nothing runs. */
  defaultAdapter: HttpAdapterKind;
  /** Every section runs on it; the guard section runs all its cases on it. */
  primary: HttpAdapterKind;
  /** The adapters the guard section compares: both, unless a partial run narrows them. */
  guardAdapters: HttpAdapterKind[];
  /** `--cases`: the guard cases to run (the baselines and floors always), or null for every one. */
  cases: Set<string> | null;
  tool: LoadSpec['tool'];
  pin: Pinning;
  /** The run's temporary folder (databases, keys, server logs), removed at the end. */
  tmp: string;
  redisUrl: string;
  /** Redis's version, or null when there is no Redis: the Redis cases are skipped. */
  redis: string | null;
  servers: BenchServers;
  /** What this run left out, and why (shown in the report). */
  skipped: string[];
  /** `performance.now()` when the run started. */
  started: number;
  log: (message: string) => void;
}
