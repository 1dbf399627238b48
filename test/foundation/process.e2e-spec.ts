import { jest } from '@jest/globals';
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataSource } from 'typeorm';
import { startProdNodeFlags } from '../../bench/lib/start-prod.js';
import { adapterEnv, testAdapter } from '../support/adapter.js';
import { freePort } from '../../bench/lib/free-port.js';

/**
 * The built server as an operator runs it: `node dist/src/main.js` with the Node flags of `npm run
 * start:prod` (so every Node line proves it accepts them), its own process, a real port, only the
 * environment given here. `npm test` builds first (the `pretest` script).
 */
const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'src', 'main.js');
const NODE_FLAGS = startProdNodeFlags(ROOT);
const SECRET_32 = 's'.repeat(32);
const SECRET_31 = 's'.repeat(31);

// Each test starts a Node process: a few seconds, and past 20 s once on a machine loaded by
// other test workers; jest's default is 5 s.
jest.setTimeout(120_000);

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** When the whole answer had arrived (performance.now()). */
  at: number;
}

function send(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    // agent: false: one connection per request, closed after it, so no idle socket outlives a test.
    const req = httpRequest(
      { host: '127.0.0.1', port, method, path, headers: options.headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text: Buffer.concat(chunks).toString('utf8'),
            at: performance.now(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

const json = (body: unknown): { headers: Record<string, string>; body: string } => ({
  headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify(body),
});

interface Server {
  port: number;
  dataDir: string;
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with how the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const children = new Set<ChildProcess>();
const dataDirs: string[] = [];

async function spawnServer(extraEnv: Record<string, string> = {}): Promise<Server> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does it)`);
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'auth-process-'));
  dataDirs.push(dataDir);
  // Only these variables: nothing leaks in from the shell that runs the tests.
  const env = {
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite:${join(dataDir, 'auth.sqlite')}`,
    LOG_LEVEL: 'info',
    ...adapterEnv(),
    ...extraEnv,
  };
  const child = spawn(process.execPath, [...NODE_FLAGS, MAIN], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  return { port, dataDir, child, stdout: () => out, stderr: () => err, exited };
}

/** Waits until `/health` answers 200, or fails with what the process printed if it exits first. */
async function ready(server: Server, timeoutMs = 60_000): Promise<void> {
  let exited = false;
  void server.exited.then(() => (exited = true));
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`server exited during start-up:\n${server.stdout()}\n${server.stderr()}`);
    try {
      // Answering, and its "Listening on" line received: the start-up lines before it are in
      // `stdout()` too (the pipe is read apart from the socket, so an answer can overtake them).
      if ((await send(server.port, 'GET', '/health')).status === 200 && server.stdout().includes('Listening on'))
        return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`server not ready after ${timeoutMs} ms:\n${server.stdout()}\n${server.stderr()}`);
}

async function stop(server: Server): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  server.child.kill('SIGTERM');
  return server.exited;
}

const lines = (text: string): string[] => text.split('\n').filter((l) => l.trim() !== '');

afterAll(() => {
  // A test that failed half-way must not leave its server running.
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** libuv names its threads (`libuv-worker`) since 1.50, Node 22 and later; Node 20's are unnamed. */
const LIBUV_NAMES_THREADS = ((): boolean => {
  const [major, minor] = process.versions.uv.split('.').map(Number) as [number, number];
  return major > 1 || minor >= 50;
})();
const SCHED_IDLE = 5;

/** The server's libuv threadpool threads, and a thread's nice value and scheduling policy. */
function threadpool(server: Server): {
  workers: string[];
  nice(tid: string): number;
  policy(tid: string): number;
} {
  // The pool exists since start-up, where a hash is made (PasswordService).
  const tasks = `/proc/${server.child.pid}/task`;
  // Fields of /proc/<pid>/task/<tid>/stat, counted after the command name's ')': the nice value
  // (field 19) and the scheduling policy (field 41; SCHED_OTHER 0, SCHED_IDLE 5).
  const stat = (tid: string): string[] => {
    const text = readFileSync(`${tasks}/${tid}/stat`, 'utf8');
    return text.slice(text.lastIndexOf(')') + 2).split(' ');
  };
  return {
    workers: readdirSync(tasks).filter((tid) => readFileSync(`${tasks}/${tid}/comm`, 'utf8').trim() === 'libuv-worker'),
    nice: (tid) => Number(stat(tid)[16]),
    policy: (tid) => Number(stat(tid)[38]),
  };
}

describe('The built server with no configuration', () => {
  let server: Server;
  beforeAll(async () => {
    server = await spawnServer();
    await ready(server);
  });
  afterAll(async () => {
    if (server.child.exitCode === null) await stop(server);
  });

  it("says which HTTP adapter it listens on (this project's, or the default)", () => {
    expect(server.stdout()).toMatch(
      new RegExp(`Listening on http://127\\.0\\.0\\.1:\\d+ \\(${testAdapter ?? 'fastify'};`),
    );
  });

  it('runs its threadpool, where argon2 hashes, at the lowest CPU priority and under SCHED_IDLE (Linux, threads named by libuv)', () => {
    const pool = threadpool(server);
    // chrt is on the default PATH (util-linux, essential on Debian), so every thread also gets SCHED_IDLE.
    expect(server.stdout()).toContain(
      `libuv threadpool (argon2): ${pool.workers.length} threads at nice 19, ${pool.workers.length} of them under SCHED_IDLE`,
    );
    expect(pool.workers.length > 0).toBe(LIBUV_NAMES_THREADS);
    for (const tid of pool.workers) {
      expect(pool.nice(tid)).toBe(19);
      expect(pool.policy(tid)).toBe(SCHED_IDLE);
    }
    // The event loop keeps the normal priority and policy.
    expect(pool.nice(String(server.child.pid))).toBe(0);
    expect(pool.policy(String(server.child.pid))).toBe(0);
  });

  it('serves /health', async () => {
    const res = await send(server.port, 'GET', '/health');
    expect(res.status).toBe(200);
    expect(JSON.parse(res.text)).toMatchObject({ status: 'ok', info: { database: { status: 'up' } } });
  });

  it('serves the Swagger UI at /docs', async () => {
    const res = await send(server.port, 'GET', '/docs');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.text).toMatch(/swagger-ui/i);
  });

  it('serves an OpenAPI 3 document at /docs-json with the routes and both security schemes', async () => {
    const res = await send(server.port, 'GET', '/docs-json');
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.text) as {
      openapi: string;
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
      components: { securitySchemes: Record<string, { type: string; in?: string; scheme?: string; name?: string }> };
    };
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(Object.keys(doc.paths)).toEqual(expect.arrayContaining(['/users', '/users/me', '/health']));
    expect(Object.keys(doc.paths['/users'] ?? {})).toContain('post');
    expect(Object.keys(doc.paths['/users/me'] ?? {})).toContain('get');
    expect(Object.keys(doc.paths['/users']?.post?.responses ?? {})).toEqual(
      expect.arrayContaining(['201', '400', '409']),
    );
    const schemes = Object.values(doc.components.securitySchemes);
    expect(schemes).toContainEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'sid' }));
    expect(schemes).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
  });

  it('documents every route the server mapped, each with its responses', async () => {
    // Nest logs one "Mapped {/path, METHOD} route" line per route at start-up.
    const mapped = lines(server.stdout())
      .map((l) => /Mapped \{([^,]+), (\w+)\} route/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map(([, path, method]) => ({ path: path!.replace(/:(\w+)/g, '{$1}'), method: method!.toLowerCase() }));
    expect(mapped.length).toBeGreaterThanOrEqual(3);
    const doc = JSON.parse((await send(server.port, 'GET', '/docs-json')).text) as {
      paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>;
    };
    const undocumented = mapped.filter(({ path, method }) => {
      const op = doc.paths[path]?.[method];
      return !op || Object.keys(op.responses ?? {}).length === 0;
    });
    expect(undocumented).toEqual([]);
  });

  it('generates its secrets in the data folder, readable by the owner only', () => {
    for (const file of ['jwt-secret', 'session-secret']) {
      expect(statSync(join(server.dataDir, file)).mode & 0o777).toBe(0o600);
    }
  });

  it('logs JSON lines with a request id, and never a credential, password or query string', async () => {
    const authorization = 'Bearer secret-token-xyz';
    const cookie = 'sid=secret-cookie-xyz';
    const password = 'my-secret-password-123';
    const replies = await Promise.all([
      send(server.port, 'GET', '/users/me', { headers: { Authorization: authorization, Cookie: cookie } }),
      send(server.port, 'GET', '/users/me?access_token=secret-query-xyz', { headers: { Cookie: cookie } }),
      send(server.port, 'POST', '/users', json({ email: 'logs@example.com', password })),
      send(server.port, 'POST', '/users', json({ email: 'not-an-email', password })),
      send(server.port, 'POST', '/users', {
        headers: { 'Content-Type': 'application/json', Authorization: authorization },
        body: `{"email":"broken@example.com","password":"${password}"`,
      }),
    ]);
    expect(replies.map((r) => r.status)).toEqual([401, 401, 201, 400, 400]);
    const ids = replies.map((r) => r.headers['x-request-id']);
    for (const id of ids) expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(ids).size).toBe(ids.length);

    // A line the app logs while handling a request (here: refresh-token reuse) carries that
    // request's id too, not only the completion line.
    const email = 'reuse@example.com';
    expect((await send(server.port, 'POST', '/users', json({ email, password }))).status).toBe(201);
    const login = await send(server.port, 'POST', '/auth/jwt/login', json({ email, password }));
    const { refreshToken } = JSON.parse(login.text) as { refreshToken: string };
    expect((await send(server.port, 'POST', '/auth/jwt/refresh', json({ refreshToken }))).status).toBe(200);
    const replay = await send(server.port, 'POST', '/auth/jwt/refresh', json({ refreshToken }));
    expect(replay.status).toBe(401);
    const replayId = replay.headers['x-request-id'];
    expect(replayId).toMatch(/^[0-9a-f-]{36}$/);

    // A stopped server has flushed every line.
    expect(await stop(server)).toEqual({ code: 0, signal: null });
    const output = server.stdout() + server.stderr();
    for (const secret of ['secret-token-xyz', 'secret-cookie-xyz', password, 'secret-query-xyz']) {
      expect(output).not.toContain(secret);
    }
    const records = lines(server.stdout()).map(
      (l) => JSON.parse(l) as { req?: { id?: string }; res?: object; responseTime?: number; level?: number },
    );
    expect(records.every((r) => typeof r.level === 'number')).toBe(true);
    // The access line: the request's id, method and path, its status and time, and no header.
    const created = records.find((r) => r.res && (r.req as { path?: string } | undefined)?.path === '/users');
    expect(created).toMatchObject({ req: { method: 'POST', path: '/users' }, responseTime: expect.any(Number) });
    expect(Object.keys(created!.res!)).toEqual(['statusCode']);
    // Each request has its own completion line carrying the id the client was given.
    const loggedIds = records.map((r) => r.req?.id).filter((id) => id !== undefined);
    expect(loggedIds).toEqual(expect.arrayContaining(ids));
    const reuse = records.filter((r) => (r as { msg?: string }).msg === 'Refresh token reuse detected: session ended');
    expect(reuse).toHaveLength(1);
    expect(reuse[0]!.req?.id).toBe(replayId);
    expect(output).not.toContain(refreshToken);
    expect(server.stderr()).toBe('');
  });
});

describe('The built server where chrt cannot be found', () => {
  it('keeps its threadpool at nice 19 under the normal policy, and says so', async () => {
    // An empty PATH folder: the server finds no chrt (and needs no other program).
    const emptyBin = mkdtempSync(join(tmpdir(), 'auth-no-chrt-'));
    dataDirs.push(emptyBin);
    const server = await spawnServer({ PATH: emptyBin });
    try {
      await ready(server);
      const pool = threadpool(server);
      expect(server.stdout()).toContain(
        `libuv threadpool (argon2): ${pool.workers.length} threads at nice 19, 0 of them under SCHED_IDLE`,
      );
      expect(pool.workers.length > 0).toBe(LIBUV_NAMES_THREADS);
      for (const tid of pool.workers) {
        expect(pool.nice(tid)).toBe(19);
        expect(pool.policy(tid)).toBe(0);
      }
    } finally {
      await stop(server);
    }
  });
});

describe('Bad configuration stops start-up with one line naming the variable', () => {
  async function failedStart(env: Record<string, string>): Promise<{ code: number | null; out: string; err: string }> {
    const server = await spawnServer(env);
    const { code } = await server.exited;
    return { code, out: server.stdout(), err: server.stderr() };
  }

  function expectOneLineNaming(run: { out: string; err: string }, name: string, why: RegExp): void {
    const all = lines(run.out + run.err);
    const naming = all.filter((l) => l.includes(name));
    expect(naming).toHaveLength(1);
    expect(naming[0]).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(naming[0]).toMatch(why);
    // Nothing else: no stack trace, no start-up chatter.
    expect(all).toEqual(naming);
  }

  it('JWT_ALGORITHM=HS512', async () => {
    const run = await failedStart({ JWT_ALGORITHM: 'HS512' });
    expect(run.code).toBe(1);
    expectOneLineNaming(run, 'JWT_ALGORITHM', /must be one of/);
  });

  it('production with a 31-byte SESSION_SECRET', async () => {
    const run = await failedStart({ NODE_ENV: 'production', JWT_SECRET: SECRET_32, SESSION_SECRET: SECRET_31 });
    expect(run.code).toBe(1);
    expectOneLineNaming(run, 'SESSION_SECRET', /at least 32 bytes/);
    expect(run.out + run.err).not.toContain(SECRET_31);
  });

  it('production without JWT_SECRET', async () => {
    const run = await failedStart({ NODE_ENV: 'production', SESSION_SECRET: SECRET_32 });
    expect(run.code).toBe(1);
    expectOneLineNaming(run, 'JWT_SECRET', /required in production/);
  });

  it('production without MFA_ENCRYPTION_KEY', async () => {
    const run = await failedStart({ NODE_ENV: 'production', JWT_SECRET: SECRET_32, SESSION_SECRET: SECRET_32 });
    expect(run.code).toBe(1);
    expectOneLineNaming(run, 'MFA_ENCRYPTION_KEY', /required in production/);
  });

  it('production with every secret starts (the refusals above are about the secrets)', async () => {
    const server = await spawnServer({
      NODE_ENV: 'production',
      JWT_SECRET: SECRET_32,
      SESSION_SECRET: SECRET_32,
      MFA_ENCRYPTION_KEY: SECRET_32,
    });
    await ready(server);
    // Production defaults: no docs, and nothing generated in the data folder.
    expect((await send(server.port, 'GET', '/docs-json')).status).toBe(404);
    expect(existsSync(join(server.dataDir, 'jwt-secret'))).toBe(false);
    expect(await stop(server)).toEqual({ code: 0, signal: null });
  });
});

describe('SIGTERM', () => {
  it('finishes the requests in flight, closes the database and exits 0', async () => {
    const server = await spawnServer();
    await ready(server);
    // Each sign-up costs one argon2 hash on libuv's pool of 4 threads: 8 of them take at least two
    // rounds, so when the first answer arrives, the others are still being served.
    const count = 8;
    let signalledAt = Infinity;
    const pending = Array.from({ length: count }, (_, i) =>
      send(
        server.port,
        'POST',
        '/users',
        json({ email: `inflight${i}@example.com`, password: 'correct horse battery' }),
      ),
    );
    await Promise.race(pending);
    server.child.kill('SIGTERM');
    signalledAt = performance.now();
    const replies = await Promise.all(pending);
    const { code, signal } = await server.exited;

    expect(replies.map((r) => r.status)).toEqual(Array(count).fill(201));
    const afterSignal = replies.filter((r) => r.at > signalledAt).length;
    expect(afterSignal).toBeGreaterThanOrEqual(1);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    // The server's own account: at least one sign-up completed after it had taken the signal.
    const log = lines(server.stdout()).map((l) => JSON.parse(l) as { msg?: string; req?: { path?: string } });
    const signalLine = log.findIndex((r) => r.msg?.startsWith('SIGTERM received'));
    expect(signalLine).toBeGreaterThan(0);
    const completedAfter = log.slice(signalLine).filter((r) => r.req?.path === '/users').length;
    expect(completedAfter).toBeGreaterThanOrEqual(1);

    // Closed cleanly: SQLite folds its write-ahead log back into the file when the last connection closes.
    const file = join(server.dataDir, 'auth.sqlite');
    expect(existsSync(`${file}-wal`)).toBe(false);
    const db = new DataSource({ type: 'better-sqlite3', database: file });
    await db.initialize();
    try {
      expect(await db.query(`SELECT count(*) AS n FROM users WHERE email LIKE 'inflight%'`)).toEqual([{ n: count }]);
    } finally {
      await db.destroy();
    }
    for (const secret of ['jwt-secret', 'session-secret']) {
      expect(statSync(join(server.dataDir, secret)).mode & 0o777).toBe(0o600);
    }
  });

  it('refuses new connections once it has stopped', async () => {
    const server = await spawnServer();
    await ready(server);
    expect(await stop(server)).toEqual({ code: 0, signal: null });
    await expect(send(server.port, 'GET', '/health')).rejects.toThrow(/ECONNREFUSED/);
  });
});

describe('The built server with METRICS_PORT', () => {
  it('serves /metrics on that port only, says where, and closes it at SIGTERM', async () => {
    const metricsPort = await freePort();
    const server = await spawnServer({ METRICS_PORT: String(metricsPort) });
    await ready(server);
    expect(server.stdout()).toContain(`Metrics on http://127.0.0.1:${metricsPort}/metrics`);
    const live = await send(server.port, 'GET', '/health/live');
    expect(live.status).toBe(200);
    const metrics = await send(metricsPort, 'GET', '/metrics');
    expect(metrics.status).toBe(200);
    expect(metrics.text).toMatch(
      /^auth_http_request_duration_seconds_count\{route="\/health\/live",method="GET",status="200"\} 1$/m,
    );
    expect(metrics.text).toMatch(/^process_cpu_user_seconds_total /m);
    expect((await send(server.port, 'GET', '/metrics')).status).toBe(404);
    expect(await stop(server)).toEqual({ code: 0, signal: null });
    await expect(send(metricsPort, 'GET', '/metrics')).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses METRICS_PORT equal to PORT with one line naming it', async () => {
    const port = await freePort();
    const server = await spawnServer({ PORT: String(port), METRICS_PORT: String(port) });
    const { code } = await server.exited;
    expect(code).toBe(1);
    expect(lines(server.stderr())).toEqual([
      'Invalid configuration: METRICS_PORT must differ from PORT (metrics never share the public port)',
    ]);
  });
});
