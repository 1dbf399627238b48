import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, request as httpRequest, type Server as HttpServer } from 'node:http';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseRedisUrl } from '../../src/config/config.js';
import { deleteKeys } from '../../src/redis/keyspace.js';
import { createRedis } from '../../src/redis/redis.module.js';
import { adapterEnv } from '../support/adapter.js';
import { freePort } from '../../bench/lib/free-port.js';
import { REDIS_URL, sleep } from '../support/http.js';
import { createSchema, dropSchema, schemaUrl } from '../support/postgres.js';

/**
 * The pieces of a small deployment on loopback, for the cluster specs: built server processes
 * (`node dist/src/main.js`, as an operator runs them), a round-robin front standing in for nginx,
 * a TCP proxy that can cut the database away, and a Redis server of the test's own that it may
 * stop. Nothing here touches the machine's shared Redis or PostgreSQL beyond a key prefix and a
 * schema of its own.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

export const ADMIN_EMAIL = 'cluster-admin@example.com';
export const ADMIN_PASSWORD = 'cluster admin password';
const SECRET = (name: string): string => `${name}-${randomUUID()}-${randomUUID()}`;

export { sleep };

/** Polls until `check` resolves true; fails with `what` after `timeoutMs`. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 20_000): Promise<number> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    if (await check().catch(() => false)) return Date.now() - started;
    await sleep(100);
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The JSON body, or undefined. */
  body: unknown;
  ms: number;
}

/** One HTTP request on a connection of its own (no keep-alive: a stopped server leaves no socket behind). */
export function send(
  port: number,
  method: string,
  path: string,
  options: { headers?: Record<string, string>; json?: unknown; timeoutMs?: number } = {},
): Promise<Reply> {
  const started = performance.now();
  const body = options.json === undefined ? undefined : JSON.stringify(options.json);
  const headers = { ...(body === undefined ? {} : { 'Content-Type': 'application/json' }), ...options.headers };
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let parsed: unknown;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          parsed = undefined;
        }
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          text,
          body: parsed,
          ms: performance.now() - started,
        });
      });
    });
    req.setTimeout(options.timeoutMs ?? 15_000, () =>
      req.destroy(new Error(`${method} ${path} on :${port} got no answer`)),
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The `name=value` of the session cookie a response sets. */
export function sessionCookie(reply: Reply): string | undefined {
  const raw = reply.headers['set-cookie'];
  const list = Array.isArray(raw) ? raw : raw ? [raw] : [];
  return list.map((l) => l.split(';')[0]!).find((pair) => /^(__Host-)?sid=/.test(pair));
}

export interface Instance {
  name: string;
  port: number;
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What the process printed, for failure messages. */
  output(): string;
}

const children = new Set<ChildProcess>();

/** Starts `node dist/src/main.js` with exactly this environment (nothing leaks in from the shell). */
export async function startInstance(name: string, env: Record<string, string>, port?: number): Promise<Instance> {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run \`npm run build\` first (npm test does it)`);
  const listenOn = port ?? (await freePort());
  const child = spawn(process.execPath, [MAIN], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env, PORT: String(listenOn), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      children.delete(child);
      resolve({ code, signal });
    }),
  );
  const instance: Instance = { name, port: listenOn, child, exited, output: () => out };
  let gone = false;
  void exited.then(() => (gone = true));
  const ready = async (): Promise<boolean> =>
    gone || (await send(listenOn, 'GET', '/health', { timeoutMs: 2000 })).status === 200;
  // Generous: a Node process loading Nest takes seconds of CPU, and the machine runs other suites.
  await waitFor(`${name} ready`, ready, 90_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${out}`);
  });
  if (gone) throw new Error(`${name} exited during start-up:\n${out}`);
  return instance;
}

/** SIGTERM, then SIGKILL if it has not exited within 10 s. */
export async function stopInstance(
  instance: Instance,
): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (instance.child.exitCode !== null || instance.child.signalCode !== null) return instance.exited;
  instance.child.kill('SIGTERM');
  const timer = setTimeout(() => instance.child.kill('SIGKILL'), 10_000);
  try {
    return await instance.exited;
  } finally {
    clearTimeout(timer);
  }
}

/** A test that failed half-way must leave no process behind. */
export function killAll(): void {
  for (const child of children) child.kill('SIGKILL');
}

/**
 * A round-robin HTTP front, as nginx's `upstream` block is by default: each request goes to the
 * next instance, and says which one served it in `X-Served-By`. It adds `X-Forwarded-For`, which
 * the instances trust from loopback (`TRUST_PROXY=loopback`).
 */
export interface Front {
  port: number;
  close(): Promise<void>;
}

export async function startFront(instances: () => Instance[]): Promise<Front> {
  let next = 0;
  const server: HttpServer = createHttpServer((req, res) => {
    const all = instances();
    const target = all[next++ % all.length]!;
    const forwardedFor = [req.headers['x-forwarded-for'], req.socket.remoteAddress].filter(Boolean).join(', ');
    const upstream = httpRequest(
      {
        host: '127.0.0.1',
        port: target.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, 'x-forwarded-for': forwardedFor },
        agent: false,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, [...answer.rawHeaders, 'X-Served-By', target.name]);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ statusCode: 502, message: 'Bad gateway', error: 'Bad Gateway' }));
    });
    req.pipe(upstream);
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A TCP proxy in front of a server: `cut()` destroys every connection through it and refuses new
 * ones (the port is closed), as a restarting PostgreSQL does; `restore()` listens again.
 */
export interface TcpProxy {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(targetHost: string, targetPort: number): Promise<TcpProxy> {
  const port = await freePort();
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      if (server) return resolve();
      const srv = createServer((client) => {
        const upstream = connect(targetPort, targetHost);
        for (const s of [client, upstream]) {
          sockets.add(s);
          s.on('close', () => sockets.delete(s));
          s.on('error', () => {
            client.destroy();
            upstream.destroy();
          });
        }
        client.pipe(upstream).pipe(client);
      });
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve());
      server = srv;
    });
  const cut = async (): Promise<void> => {
    const srv = server;
    server = undefined;
    const closed = srv ? new Promise<void>((resolve) => srv.close(() => resolve())) : Promise.resolve();
    for (const s of sockets) s.destroy();
    sockets.clear();
    await closed;
  };
  await listen();
  return { port, cut, restore: listen, close: cut };
}

/**
 * A Redis server of the test's own (the shared one is never stopped: other files use it), on a
 * fixed port so that it can be stopped and started again where the instances expect it.
 */
export interface OwnRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  /** SIGTERM: with persistence off, everything in it is gone. */
  stop(): Promise<void>;
  /** SIGSTOP / SIGCONT: connected, but not answering. */
  pause(): void;
  resume(): void;
  /** Deletes its folder (after stop). */
  remove(): void;
}

export async function ownRedis(extraArgs: string[] = []): Promise<OwnRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'cluster-redis-'));
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  const start = async (): Promise<void> => {
    const proc = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, ...extraArgs],
      { stdio: 'ignore' },
    );
    children.add(proc);
    exited = new Promise((resolve) =>
      proc.once('exit', () => {
        children.delete(proc);
        resolve();
      }),
    );
    child = proc;
    await waitFor(`redis-server on ${port}`, () => redisPing(port), 10_000);
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop: async () => {
      child?.kill('SIGCONT');
      child?.kill('SIGTERM');
      await exited;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
    pause: () => child?.kill('SIGSTOP'),
    resume: () => child?.kill('SIGCONT'),
  };
}

/** Whether a Redis answers PING on this port, within half a second. */
export function redisPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.on('error', () => done(false));
    socket.on('data', (d: Buffer) => done(d.toString().startsWith('+PONG')));
    socket.write('PING\r\n');
  });
}

/** Deletes every key under the prefix on the shared Redis, or on a cluster (every master). */
export async function deleteRedisKeys(prefix: string, url = REDIS_URL): Promise<void> {
  const client = createRedis(parseRedisUrl(url));
  await client.connect();
  try {
    await deleteKeys(client, `${prefix}*`);
  } finally {
    await client.close();
  }
}

/** The Redis this project's deployments use: the test Redis Cluster in `cluster-redis-cluster`. */
export const DEPLOYMENT_REDIS_URL =
  (globalThis as { E2E_REDIS?: string }).E2E_REDIS === 'cluster'
    ? (process.env.TEST_REDIS_CLUSTER_URL ?? '')
    : REDIS_URL;

/**
 * What the instances of one deployment share: one Redis key prefix, one fresh PostgreSQL schema,
 * the same secrets and admin. Rate limits are raised (every test client is 127.0.0.1).
 */
export interface Deployment {
  env: Record<string, string>;
  schema: string;
  prefix: string;
  cleanup(): Promise<void>;
}

export async function newDeployment(over: Record<string, string> = {}): Promise<Deployment> {
  const schema = await createSchema();
  const prefix = `test:cluster:${randomUUID()}:`;
  const env: Record<string, string> = {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATABASE_URL: schemaUrl(schema),
    REDIS_URL: DEPLOYMENT_REDIS_URL,
    REDIS_KEY_PREFIX: prefix,
    JWT_SECRET: SECRET('jwt'),
    SESSION_SECRET: SECRET('session'),
    MFA_ENCRYPTION_KEY: SECRET('mfa'),
    // Plain HTTP on loopback; behind nginx with TLS it stays true (see docs/deployment.md).
    COOKIE_SECURE: 'false',
    TRUST_PROXY: 'loopback',
    ADMIN_EMAIL,
    ADMIN_PASSWORD,
    LOGIN_RATE_PER_IP: '100000',
    REGISTER_RATE_PER_IP: '100000',
    LOGIN_RATE_PER_EMAIL: '1000',
    ...adapterEnv(),
    ...over,
  };
  return {
    env,
    schema,
    prefix,
    cleanup: async () => {
      await dropSchema(schema);
      if (env.REDIS_URL === DEPLOYMENT_REDIS_URL) await deleteRedisKeys(prefix, DEPLOYMENT_REDIS_URL);
    },
  };
}

/* The API as a client uses it, against one port (an instance, or the front). */

export const PASSWORD = 'cluster user password';

export interface CookieSession {
  cookie: string;
  csrf: string;
  userId: string;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
}

function expectStatus(reply: Reply, status: number, what: string): void {
  if (reply.status !== status) throw new Error(`${what}: expected ${status}, got ${reply.status} ${reply.text}`);
}

export async function signUp(
  port: number,
  email = `c-${randomUUID()}@example.com`,
): Promise<{ id: string; email: string }> {
  const reply = await send(port, 'POST', '/users', { json: { email, password: PASSWORD } });
  expectStatus(reply, 201, 'sign-up');
  return { id: (reply.body as { id: string }).id, email };
}

export async function cookieLogin(port: number, email: string, password = PASSWORD): Promise<CookieSession> {
  const reply = await send(port, 'POST', '/auth/session/login', { json: { email, password } });
  expectStatus(reply, 200, 'cookie login');
  const body = reply.body as { csrfToken: string; user: { id: string } };
  const cookie = sessionCookie(reply);
  if (!cookie) throw new Error(`no session cookie: ${JSON.stringify(reply.headers['set-cookie'])}`);
  return { cookie, csrf: body.csrfToken, userId: body.user.id };
}

export async function jwtLogin(port: number, email: string, password = PASSWORD): Promise<TokenPair> {
  const reply = await send(port, 'POST', '/auth/jwt/login', { json: { email, password } });
  expectStatus(reply, 200, 'JWT login');
  return reply.body as TokenPair;
}

export const withCookie = (s: CookieSession, write = false): Record<string, string> =>
  write ? { Cookie: s.cookie, 'X-CSRF-Token': s.csrf } : { Cookie: s.cookie };

export const bearer = (token: string): Record<string, string> => ({ Authorization: `Bearer ${token}` });

/** The status of GET /users/me with these headers. */
export async function meStatus(port: number, headers: Record<string, string>): Promise<number> {
  return (await send(port, 'GET', '/users/me', { headers })).status;
}

export const refresh = (port: number, refreshToken: string): Promise<Reply> =>
  send(port, 'POST', '/auth/jwt/refresh', { json: { refreshToken } });

/** The `sid` claim of an access token: the id of its session in the registry. */
export const sidOf = (accessToken: string): string =>
  (JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString('utf8')) as { sid: string }).sid;

/** One node of a Redis Cluster of the test's own. */
export interface ClusterNode {
  port: number;
  /** Sends a signal to the node's process (SIGKILL, SIGSTOP, SIGCONT). */
  signal(signal: NodeJS.Signals): void;
  /** Starts the node again on its port and folder; it rejoins from its nodes.conf. */
  start(): Promise<void>;
  /** Resolves once the process has exited. */
  exited(): Promise<void>;
}

export interface OwnRedisCluster {
  url: string;
  nodes: ClusterNode[];
  /** One line of `redis-cli -p <port> <args>`, trimmed. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** The port of the master serving `key` now, as the cluster itself says (CLUSTER SLOTS). */
  masterOf(key: string): Promise<number>;
  /** Resolves once every slot is served and every live master has a replica linked to it. */
  healthy(timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/** Runs redis-cli and returns what it printed. */
function redisCli(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('redis-cli', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve(out.trim()) : reject(new Error(`redis-cli ${args.join(' ')}: ${out}`)),
    );
  });
}

/**
 * A Redis Cluster of the test's own: six redis-server processes (three masters, three replicas) on
 * free loopback ports, persistence off, a short node timeout (`nodeTimeoutMs`) so a failover takes
 * seconds. The test may kill, pause and restart its nodes; the shared cluster is never touched.
 */
export async function ownRedisCluster(nodeTimeoutMs = 1000): Promise<OwnRedisCluster> {
  const ports = await Promise.all(Array.from({ length: 6 }, () => freePort()));
  const dir = mkdtempSync(join(tmpdir(), 'own-redis-cluster-'));
  const nodes = ports.map((port): ClusterNode => {
    let child: ChildProcess | undefined;
    let exited: Promise<void> = Promise.resolve();
    const start = async (): Promise<void> => {
      const folder = join(dir, String(port));
      mkdirSync(folder, { recursive: true });
      const proc = spawn(
        'redis-server',
        [
          ...['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', folder],
          ...['--cluster-enabled', 'yes', '--cluster-config-file', 'nodes.conf'],
          ...['--cluster-node-timeout', String(nodeTimeoutMs), '--cluster-require-full-coverage', 'no'],
        ],
        { stdio: 'ignore' },
      );
      children.add(proc);
      exited = new Promise((resolve) =>
        proc.once('exit', () => {
          children.delete(proc);
          resolve();
        }),
      );
      child = proc;
      await waitFor(`cluster node on ${port}`, () => redisPing(port), 10_000);
    };
    return { port, start, signal: (s) => child?.kill(s), exited: () => exited };
  });
  await Promise.all(nodes.map((n) => n.start()));
  await redisCli([
    '--cluster',
    'create',
    ...ports.map((p) => `127.0.0.1:${p}`),
    '--cluster-replicas',
    '1',
    '--cluster-yes',
  ]);
  const cli = (port: number, ...args: string[]): Promise<string> => redisCli(['-p', String(port), ...args]);
  const anyLive = async (): Promise<number> => {
    for (const port of ports) if (await redisPing(port)) return port;
    throw new Error('no cluster node answers');
  };
  const cluster: OwnRedisCluster = {
    url: `redis+cluster://${ports
      .slice(0, 3)
      .map((p) => `127.0.0.1:${p}`)
      .join(',')}`,
    nodes,
    cli,
    masterOf: async (key) => {
      const port = await anyLive();
      const slot = Number(await cli(port, 'CLUSTER', 'KEYSLOT', key));
      const reply = await cli(port, '--json', 'CLUSTER', 'SLOTS');
      const ranges = JSON.parse(reply) as [number, number, [string, number, string]][];
      const range = ranges.find(([from, to]) => slot >= from && slot <= to);
      if (!range) throw new Error(`slot ${slot} is not served`);
      return range[2][1];
    },
    healthy: (timeoutMs = 30_000) =>
      waitFor(
        'Redis Cluster healthy',
        async () => {
          const port = await anyLive();
          if (!(await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) return false;
          // Every node must answer: a replica still loading its first copy answers PING with
          // LOADING, while its master already counts it among connected_slaves, and a write's
          // WAIT on that master would time out.
          for (const p of ports) {
            if (!(await redisPing(p))) return false;
            const replication = await cli(p, 'INFO', 'replication');
            const linked = /^role:master/m.test(replication)
              ? /^slave0:.*state=online/m.test(replication) && !/^slave\d+:.*state=(?!online)/m.test(replication)
              : /^master_link_status:up/m.test(replication) && /^master_sync_in_progress:0/m.test(replication);
            if (!linked) return false;
            // A replica linked a moment ago may still be slow to acknowledge (seen once, at the
            // end of a full run: a logout's WAIT got 0 of 1 in 500 ms); the app's writes need it.
            if (/^role:master/m.test(replication) && (await cli(p, 'WAIT', '1', '500')) !== '1') return false;
          }
          return true;
        },
        timeoutMs,
      ),
    stop: async () => {
      for (const node of nodes) {
        node.signal('SIGCONT');
        node.signal('SIGKILL');
      }
      await Promise.all(nodes.map((n) => n.exited()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await cluster.healthy();
  return cluster;
}
