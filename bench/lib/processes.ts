import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadResult, type LoadSpec, MEASURING_LINE } from '../load.js';
import type { FromServer, ServerStats, ToServer } from './ipc.js';
import { startProdNodeFlags } from './start-prod.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Compiled entry points, beside this file's folder in dist/bench. */
const SERVER_JS = join(here, '..', 'server.js');
/** The raw node:http server (raw-http.ts): the same IPC channel, no app. */
export const RAW_HTTP_JS = join(here, '..', 'raw-http.js');
/** Nest alone on one adapter (bare-nest.ts): the same IPC channel, no app. */
export const BARE_NEST_JS = join(here, '..', 'bare-nest.js');
/** The alternatives (bench/peers/): the same IPC channel, none of the app. */
export const NEST_RECIPE_JS = join(here, '..', 'peers', 'nest-recipe.js');
export const BETTER_AUTH_JS = join(here, '..', 'peers', 'better-auth.js');
const LOAD_JS = join(here, '..', 'load.js');

/**
 * Node's flags for every server of a run, as `npm run start:prod` runs the app. Every server, the
 * floors and the peers included, runs on the same runtime settings, so a ratio compares code, not
 * flags. (This file is dist/bench/lib/processes.js when it runs: the root is three folders up.)
 */
export const SERVER_NODE_FLAGS: readonly string[] = startProdNodeFlags(join(here, '..', '..', '..'));

export interface Pinning {
  /** CPU list for the servers and for the load generator, or null when not pinned. */
  server: string | null;
  load: string | null;
  note: string;
}

/** Server on core 0, load generator on core 1, when there are two cores and taskset. */
export function detectPinning(): Pinning {
  const cores = availableParallelism();
  const taskset = spawnSync('taskset', ['-p', String(process.pid)], { stdio: 'ignore' }).status === 0;
  if (cores >= 2 && taskset)
    return { server: '0', load: '1', note: `servers on CPU 0, load generator on CPU 1 (taskset), ${cores} CPUs` };
  return { server: null, load: null, note: taskset ? `not pinned: ${cores} CPU` : 'not pinned: taskset not found' };
}

function command(cpu: string | null, args: string[]): [string, string[]] {
  return cpu === null ? [process.execPath, args] : ['taskset', ['-c', cpu, process.execPath, ...args]];
}

export interface ServerOptions {
  name: string;
  env: Record<string, string>;
  cpu: string | null;
  /** Where its stdout/stderr go. */
  logFile: string;
  /** Write a V8 CPU profile into this folder on exit. */
  cpuProfDir?: string;
  /** The entry point: the Nest app (server.ts) unless said otherwise (RAW_HTTP_JS, BARE_NEST_JS). */
  script?: string;
}

/** A bench server process (bench/server.ts, raw-http.ts or bare-nest.ts) and its IPC channel (lib/ipc.ts). */
export class ServerProcess {
  port = 0;
  private child: ChildProcess | undefined;
  private readonly waiters: ((m: FromServer) => boolean)[] = [];
  private exited: Promise<number | null> | undefined;

  constructor(readonly options: ServerOptions) {}

  get name(): string {
    return this.options.name;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(timeoutMs = 60_000): Promise<void> {
    const { env, cpu, logFile, cpuProfDir, script = SERVER_JS } = this.options;
    const profiling = cpuProfDir ? ['--cpu-prof', '--cpu-prof-dir', cpuProfDir] : [];
    const nodeArgs = [...SERVER_NODE_FLAGS, ...profiling, script];
    // Started on any core (booting a Nest app is the slowest part of a run, and several boot at
    // once), pinned once ready: every thread, the threadpool's included.
    const log = openSync(logFile, 'a');
    const child = spawn(process.execPath, nodeArgs, {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', log, log, 'ipc'],
    });
    closeSync(log);
    this.child = child;
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    child.on('message', (m: FromServer) => {
      const i = this.waiters.findIndex((w) => w(m));
      if (i >= 0) this.waiters.splice(i, 1);
    });
    const ready = await Promise.race([
      this.next((m) => m.t === 'ready' || m.t === 'failed'),
      this.exited.then((): FromServer => ({ t: 'failed', message: 'exited' })),
      new Promise<FromServer>((resolve) =>
        setTimeout(() => resolve({ t: 'failed', message: 'timed out' }), timeoutMs).unref(),
      ),
    ]);
    if (ready.t !== 'ready') {
      this.child.kill('SIGKILL');
      const tail = readFileSync(logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(
        `bench server ${this.name} did not start (${ready.t === 'failed' ? ready.message.split('\n')[0] : ready.t}); log ${logFile}:\n${tail}`,
      );
    }
    this.port = ready.port;
    if (
      cpu !== null &&
      spawnSync('taskset', ['-a', '-p', '-c', cpu, String(child.pid)], { stdio: 'ignore' }).status !== 0
    ) {
      throw new Error(`bench: could not pin ${this.name} to CPU ${cpu}`);
    }
  }

  async setFixedUser(id: string): Promise<void> {
    const done = this.next((m) => m.t === 'fixed-user-set');
    this.send({ t: 'fixed-user', id });
    await done;
  }

  /** Memory and event-loop figures since the last reset; `reset` starts a new window. */
  async stats(reset = true): Promise<ServerStats> {
    const reply = this.next((m) => m.t === 'stats');
    this.send({ t: 'stats', reset });
    const m = await reply;
    if (m.t !== 'stats') throw new Error('unexpected reply');
    return m.stats;
  }

  /** The server's monotonic clock, µs (for cutting its CPU profile to a window). */
  async mark(): Promise<number> {
    const reply = this.next((m) => m.t === 'mark');
    this.send({ t: 'mark' });
    const m = await reply;
    return m.t === 'mark' ? m.us : 0;
  }

  /** SIGTERM, then SIGKILL after a while; resolves with the exit code. */
  async stop(): Promise<number | null> {
    if (!this.child || !this.exited) return null;
    if (this.child.exitCode !== null || this.child.signalCode !== null) return this.child.exitCode;
    this.child.kill('SIGTERM');
    const killer = setTimeout(() => this.child?.kill('SIGKILL'), 15_000);
    const code = await this.exited;
    clearTimeout(killer);
    return code;
  }

  private send(m: ToServer): void {
    this.child?.send(m);
  }

  private next(match: (m: FromServer) => boolean): Promise<FromServer> {
    return new Promise((resolve) => {
      this.waiters.push((m) => {
        if (!match(m)) return false;
        resolve(m);
        return true;
      });
    });
  }
}

/** Whether `chrt` can start a process under SCHED_IDLE here (util-linux, as taskset; Linux only). */
let chrtWorks: boolean | undefined;
const hasChrt = (): boolean =>
  (chrtWorks ??= spawnSync('chrt', ['--idle', '0', 'true'], { stdio: 'ignore' }).status === 0);

/**
 * Runs one load in a separate process pinned to the load generator's core; `measuring` is called
 * when its warm-up (`warmupSec`) is over and the measured run starts.
 *
 * `background`: a load that only keeps the server busy while another load measures it (the storm's
 * logins) runs under SCHED_IDLE where `chrt` can set it, so on the shared load core it takes only
 * the cycles the measuring process leaves and never delays its reading of a response.
 */
export function runLoad(
  spec: LoadSpec,
  cpu: string | null,
  measuring?: () => void,
  { background = false }: { background?: boolean } = {},
): Promise<LoadResult> {
  // --expose-gc: the load process collects its warm-up's garbage before it measures (load.ts).
  const [node, nodeArgs] = command(cpu, ['--expose-gc', LOAD_JS, Buffer.from(JSON.stringify(spec)).toString('base64')]);
  const [cmd, args] = background && hasChrt() ? ['chrt', ['--idle', '0', node, ...nodeArgs]] : [node, nodeArgs];
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let started = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!started && out.includes(`${MEASURING_LINE}\n`)) {
        started = true;
        measuring?.();
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`load generator exited ${code}: ${err.trim()}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop() ?? '') as LoadResult);
      } catch {
        reject(new Error(`load generator printed no result: ${out} ${err}`));
      }
    });
  });
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { stdio: 'ignore' }).error === undefined;
}

/** `wrk --version`'s first words (it prints them and exits 1), e.g. `wrk debian/4.1.0-3+b2`; null without wrk. */
export function wrkVersion(): string | null {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return null;
  return /^wrk\s+(\S+)/.exec(`${r.stdout}${r.stderr}`)?.[0] ?? 'wrk';
}
