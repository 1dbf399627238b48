/**
 * The load generator of the bench, one process per run (pinned to its own core by `run.ts`):
 * `node load.js <base64 JSON LoadSpec>` prints one JSON `LoadResult` line on stdout.
 *
 * autocannon drives every run it can; `wrk` (when installed and asked for) drives the fixed-request
 * throughput runs, where its C client leaves more of the generator's core unused. With autocannon
 * each response time is kept (ms, sub-millisecond precision) and the percentiles are computed here,
 * since autocannon's own histogram rounds to whole milliseconds.
 */
import autocannon from 'autocannon';
import { execFile } from 'node:child_process';
import { Agent, request } from 'node:http';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { percentile } from './lib/stats.js';

export interface LoadSpec {
  /** `paced`: open loop, one request every 1/rate s on keep-alive connections (see runPaced). */
  tool: 'autocannon' | 'wrk' | 'paced';
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Request bodies, used in turn (autocannon only). */
  bodies?: string[];
  connections: number;
  durationSec: number;
  /** Same load first for this long, not counted. */
  warmupSec?: number;
  /** Requests per second, for `paced`. */
  rate?: number;
  timeoutSec?: number;
}

export interface LoadResult {
  tool: LoadSpec['tool'];
  durationSec: number;
  /** Responses received in the measured window. */
  requests: number;
  rps: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Responses by status code. For wrk: `2xx/3xx` and `other`. */
  status: Record<string, number>;
  errors: number;
  timeouts: number;
}

const round = (n: number, digits = 3): number => Math.round(n * 10 ** digits) / 10 ** digits;

function summarise(
  tool: LoadSpec['tool'],
  latencies: number[],
  elapsed: number,
  status: Record<string, number>,
  errors: number,
  timeouts: number,
): LoadResult {
  latencies.sort((a, b) => a - b);
  const mean = latencies.length === 0 ? 0 : latencies.reduce((a, b) => a + b, 0) / latencies.length;
  return {
    tool,
    durationSec: round(elapsed),
    requests: latencies.length,
    rps: round(latencies.length / elapsed, 1),
    latencyMs: {
      p50: round(percentile(latencies, 50)),
      p90: round(percentile(latencies, 90)),
      p99: round(percentile(latencies, 99)),
      max: round(latencies[latencies.length - 1] ?? 0),
      mean: round(mean),
    },
    status,
    errors,
    timeouts,
  };
}

async function runAutocannon(spec: LoadSpec, durationSec: number): Promise<LoadResult> {
  const latencies: number[] = [];
  const status: Record<string, number> = {};
  let next = 0;
  const bodies = spec.bodies;
  const instance = autocannon({
    url: spec.url,
    connections: spec.connections,
    duration: durationSec,
    timeout: spec.timeoutSec ?? 10,
    requests: [
      {
        method: spec.method ?? 'GET',
        headers: spec.headers ?? {},
        ...(bodies && bodies.length > 0
          ? {
              setupRequest: (req: Record<string, unknown>) => {
                req.body = bodies[next++ % bodies.length];
                return req;
              },
            }
          : {}),
      },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
    status[statusCode] = (status[statusCode] ?? 0) + 1;
    latencies.push(responseTime);
  });
  const started = performance.now();
  const result = await instance;
  return summarise(
    'autocannon',
    latencies,
    (performance.now() - started) / 1000,
    status,
    result.errors,
    result.timeouts,
  );
}

/**
 * Open loop at a fixed rate: request i is due at i/rate s, sent then on a free keep-alive
 * connection, and its latency counts from when it was due, so a server that stalls is charged for
 * the requests that waited behind the stall (no coordinated omission). autocannon's own rate
 * option sends in bursts, which measures its bursts more than the server.
 *
 * It keeps nothing per request but two numbers in arrays made up front: a generator that kept each
 * request's promise to the end had V8 run a full mark-compact of its own mid-run, and every request
 * due during that pause counted as the server's latency (README, "Performance").
 */
async function runPaced(spec: LoadSpec, durationSec: number): Promise<LoadResult> {
  const rate = spec.rate ?? 100;
  const agent = new Agent({ keepAlive: true, maxSockets: spec.connections });
  const url = new URL(spec.url);
  const total = Math.round(rate * durationSec);
  const latencies = new Float64Array(total);
  let answered = 0;
  const status: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  let pending = 0;
  // Set once every request is sent; until then a moment with none pending is not the end.
  let drained: () => void = () => undefined;
  const settled = (): void => {
    if (--pending === 0) drained();
  };
  const one = (due: number): void => {
    pending++;
    const body = spec.bodies?.[answered % spec.bodies.length];
    const req = request(
      url,
      { method: spec.method ?? 'GET', headers: spec.headers, agent, timeout: (spec.timeoutSec ?? 10) * 1000 },
      (res) => {
        res.resume();
        res.on('end', () => {
          status[res.statusCode ?? 0] = (status[res.statusCode ?? 0] ?? 0) + 1;
          latencies[answered++] = performance.now() - due;
          settled();
        });
      },
    );
    req.on('timeout', () => {
      timeouts++;
      req.destroy();
    });
    req.on('error', () => {
      errors++;
      settled();
    });
    req.end(body);
  };
  const started = performance.now();
  for (let i = 0; i < total; i++) {
    const due = started + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((r) => setTimeout(r, wait));
    one(due);
  }
  if (pending > 0) await new Promise<void>((resolve) => (drained = resolve));
  agent.destroy();
  const measured = Array.from(latencies.subarray(0, answered));
  return summarise('paced', measured, (performance.now() - started) / 1000, status, errors, timeouts);
}

/** `1.23ms`, `850.00us`, `1.02s` → ms. */
function wrkTime(text: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(text.trim());
  if (!m) throw new Error(`wrk: cannot read the time "${text}"`);
  const v = Number(m[1]);
  return m[2] === 'us' ? v / 1000 : m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : v * 60_000;
}

function runWrk(spec: LoadSpec, durationSec: number): Promise<LoadResult> {
  const args = [
    '-t1',
    `-c${spec.connections}`,
    `-d${durationSec}s`,
    `--timeout`,
    `${spec.timeoutSec ?? 10}s`,
    '--latency',
  ];
  for (const [k, v] of Object.entries(spec.headers ?? {})) args.push('-H', `${k}: ${v}`);
  args.push(spec.url);
  return new Promise((resolve, reject) => {
    execFile('wrk', args, { maxBuffer: 1 << 20 }, (err, stdout) => {
      if (err) return reject(new Error(`wrk failed: ${err.message}`));
      try {
        const pct = (p: string): number =>
          wrkTime(new RegExp(`^\\s*${p}%\\s+(\\S+)`, 'm').exec(stdout)?.[1] ?? 'NaNms');
        const lat = /^\s*Latency\s+(\S+)\s+\S+\s+(\S+)/m.exec(stdout);
        const total = /(\d+) requests in ([\d.]+)(\w+),/.exec(stdout);
        if (!lat || !total) throw new Error(`wrk: unexpected output\n${stdout}`);
        const requests = Number(total[1]);
        const elapsed = wrkTime(`${total[2]}${total[3]}`) / 1000;
        const non2xx = Number(/Non-2xx or 3xx responses: (\d+)/.exec(stdout)?.[1] ?? 0);
        const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(stdout);
        resolve({
          tool: 'wrk',
          durationSec: round(elapsed),
          requests,
          rps: round(requests / elapsed, 1),
          latencyMs: { p50: pct('50'), p90: pct('90'), p99: pct('99'), max: wrkTime(lat[2]!), mean: wrkTime(lat[1]!) },
          status: { '2xx/3xx': requests - non2xx, other: non2xx },
          errors: sock ? Number(sock[1]) + Number(sock[2]) + Number(sock[3]) : 0,
          timeouts: sock ? Number(sock[4]) : 0,
        });
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** Runs the load; `measuring` is called when the warm-up is over and the measured run starts. */
export async function runLoad(spec: LoadSpec, measuring?: () => void): Promise<LoadResult> {
  const run = spec.tool === 'wrk' ? runWrk : spec.tool === 'paced' ? runPaced : runAutocannon;
  if (spec.warmupSec) await run(spec, spec.warmupSec);
  // The warm-up's garbage is collected now, not by a pause inside the measured run (the load
  // process runs with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  measuring?.();
  return run(spec, spec.durationSec);
}

/** The line a load process prints when its measured run starts (lib/processes.ts watches for it). */
export const MEASURING_LINE = 'measuring';

// Only as the load process itself: lib/processes.ts imports MEASURING_LINE from here.
const arg = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href ? process.argv[2] : undefined;
if (arg) {
  runLoad(JSON.parse(Buffer.from(arg, 'base64').toString('utf8')) as LoadSpec, () =>
    process.stdout.write(`${MEASURING_LINE}\n`),
  ).then(
    (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
    (err: unknown) => {
      process.stderr.write(`load failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
