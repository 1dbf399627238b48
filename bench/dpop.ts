/**
 * `npm run bench:dpop` (and the last step of `npm run bench`, see run.ts): what a DPoP-bound
 * request costs over a Bearer one, and what an introspection call costs, on one server (the real
 * AppModule, bench/server.ts, embedded store, HS256).
 *
 * wrk and autocannon replay fixed headers, and a DPoP proof is good once, so this section drives
 * the server from a closed-loop Node client with proofs made beforehand (by the `dpop` package, as
 * a client would) and measures the server's own CPU per request (process.cpuUsage over the window,
 * lib/ipc.ts): that does not depend on how fast the client is. Cases alternate over the rounds, and
 * the figures are the medians of the rounds; the ratios are to the Bearer case of the same rounds.
 */
import { generateKeyPair, generateProof } from 'dpop';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { PASSWORD, register } from './lib/http.js';
import { ServerProcess } from './lib/processes.js';

const ORIGIN = 'http://bench.example.test';
const CLIENT = 'bench-rs';
const CLIENT_SECRET = 'bench-introspection-secret';
const MAX_ROUNDS = 5;

export interface DpopBenchRow {
  case: 'bearer' | 'dpop' | 'introspection';
  /** Median over the rounds. */
  reqPerSec: number;
  serverCpuUsPerRequest: number;
  /** To the Bearer case of the same rounds: req/s ratio, and CPU per request ratio. */
  rpsRatio: number;
  cpuRatio: number;
}

const agent = new Agent({ keepAlive: true, maxSockets: 16 });

function call(
  base: string,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${base}${path}`, { method, headers, agent }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** `count` requests, `concurrency` at a time; every answer must be 200. */
async function drive(count: number, concurrency: number, one: (i: number) => Promise<number>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) {
        const i = next++;
        const status = await one(i);
        if (status !== 200) throw new Error(`bench dpop: request ${i} answered ${status}`);
      }
    }),
  );
  return count / ((performance.now() - started) / 1000);
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function dpopSection(options: {
  quick: boolean;
  cpu: string | null;
  log: (line: string) => void;
}): Promise<DpopBenchRow[]> {
  const { quick, cpu, log } = options;
  const dir = mkdtempSync(join(tmpdir(), 'bench-dpop-'));
  const server = new ServerProcess({
    name: 'dpop',
    cpu,
    logFile: join(dir, 'server.log'),
    env: {
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      DOCS_ENABLED: 'false',
      COOKIE_SECURE: 'false',
      JWT_SECRET: randomBytes(32).toString('base64url'),
      SESSION_SECRET: randomBytes(32).toString('base64url'),
      MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
      DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite')}`,
      JWT_ACCESS_TTL: '3600',
      LOGIN_RATE_PER_IP: '100000',
      LOGIN_RATE_PER_EMAIL: '100000',
      APP_URL: ORIGIN,
      // One client per round: a client may introspect 6,000 times a minute, a full run's rounds
      // add up to more than that within one.
      INTROSPECTION_CLIENTS: Array.from({ length: MAX_ROUNDS }, (_, r) => `${CLIENT}-${r}:${CLIENT_SECRET}`).join(','),
    },
  });
  try {
    await server.start();
    const base = server.url;
    const email = `dpop-${randomUUID()}@bench.test`;
    await register(base, email);
    const login = async (dpop?: string): Promise<string> => {
      const body = JSON.stringify({ email, password: PASSWORD });
      const res = await fetch(`${base}/auth/jwt/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(dpop ? { dpop } : {}) },
        body,
      });
      if (res.status !== 200) throw new Error(`bench dpop: login answered ${res.status}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    };
    const keys = await generateKeyPair('ES256', { extractable: true });
    const bearerToken = await login();
    const boundToken = await login(await generateProof(keys, `${ORIGIN}/auth/jwt/login`, 'POST'));

    const perRound = quick ? 1000 : 4000;
    const rounds = quick ? 3 : MAX_ROUNDS;
    const bearer = { authorization: `Bearer ${bearerToken}` };
    const basic = (round: number): string =>
      `Basic ${Buffer.from(`${CLIENT}-${round}:${CLIENT_SECRET}`).toString('base64')}`;
    const introspectBody = `token=${encodeURIComponent(bearerToken)}`;
    let round = 0;
    const cases: Record<DpopBenchRow['case'], (i: number, proofs: string[]) => Promise<number>> = {
      bearer: () => call(base, 'GET', '/users/me', bearer),
      dpop: (i, proofs) => call(base, 'GET', '/users/me', { authorization: `DPoP ${boundToken}`, dpop: proofs[i]! }),
      introspection: () =>
        call(
          base,
          'POST',
          '/oauth/introspect',
          {
            authorization: basic(round),
            'content-type': 'application/x-www-form-urlencoded',
            'content-length': String(Buffer.byteLength(introspectBody)),
          },
          introspectBody,
        ),
    };
    const figures = new Map<DpopBenchRow['case'], { rps: number[]; cpu: number[] }>();
    for (round = 0; round < rounds; round++) {
      // Made just before the round: a proof is good for 60 s after its iat.
      const proofs = await Promise.all(
        Array.from({ length: perRound }, () => generateProof(keys, `${ORIGIN}/users/me`, 'GET', undefined, boundToken)),
      );
      for (const name of Object.keys(cases) as DpopBenchRow['case'][]) {
        await server.stats(true);
        const rps = await drive(perRound, 16, (i) => cases[name](i, proofs));
        const { cpuUs } = await server.stats(true);
        const f = figures.get(name) ?? { rps: [], cpu: [] };
        f.rps.push(rps);
        f.cpu.push(cpuUs / perRound);
        figures.set(name, f);
      }
      log(`dpop round ${round + 1}/${rounds} done`);
    }
    const ref = figures.get('bearer')!;
    const rows = [...figures].map(([name, f]) => ({
      case: name,
      reqPerSec: Math.round(median(f.rps)),
      serverCpuUsPerRequest: Math.round(median(f.cpu)),
      rpsRatio: Number((median(f.rps) / median(ref.rps)).toFixed(3)),
      cpuRatio: Number((median(f.cpu) / median(ref.cpu)).toFixed(3)),
    }));
    for (const r of rows)
      log(
        `  ${r.case}: ${r.reqPerSec} req/s (${r.rpsRatio} of Bearer), ${r.serverCpuUsPerRequest} µs server CPU per request (${r.cpuRatio}×)`,
      );
    const out = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'dpop.json'),
      `${JSON.stringify({ at: new Date().toISOString(), quick, rows }, null, 2)}\n`,
    );
    return rows;
  } finally {
    await server.stop();
    agent.destroy();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Alone (`npm run bench:dpop [-- --quick]`): the rows go to the console and bench/results/dpop.json. */
if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  await dpopSection({ quick: process.argv.includes('--quick'), cpu: null, log: (l) => console.log(l) });
}
