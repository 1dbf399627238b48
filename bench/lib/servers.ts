/**
 * The bench servers: which configurations a run can start (`serverDefs`), their environment, and
 * the running processes with the user each section measures with.
 */
import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createClient } from 'redis';
import type { HttpAdapterKind } from '../../src/config/env.js';
import { alternativeDefs, alternativeEnv, alternativeScript, prepareAlternative } from './alternatives.js';
import { type JwtLogin, loginJwt, loginSession, register, type SessionLogin } from './http.js';
import { BARE, isAlternative, isFloor, RAW } from './platforms.js';
import { BARE_NEST_JS, type Pinning, RAW_HTTP_JS, ServerProcess } from './processes.js';
import type { Platform, Store } from './results.js';

export type Algorithm = 'HS256' | 'RS256' | 'ES256' | 'EdDSA';

export interface ServerDef {
  /** Unique in the run: the adapter, then the configuration (`BenchServers.id`). */
  id: string;
  /**
   * The Nest app on `HTTP_ADAPTER`, a floor with no app and no env (raw node:http,
   * bench/raw-http.ts, or Nest alone, bench/bare-nest.ts), or an alternative (bench/peers/:
   * lib/alternatives.ts).
   */
  adapter: Platform;
  store: Store;
  algorithm: Algorithm;
  baseline?: boolean;
  /** Shares the database (and Redis prefix) of this server: another instance of the same deployment. */
  peerOf?: string;
  /** Variables of this configuration on top of the bench's own (a feature switched on or off). */
  env?: Record<string, string>;
}

export interface Bench {
  def: ServerDef;
  proc: ServerProcess;
  env: Record<string, string>;
  userId: string;
  jwt?: JwtLogin;
  session?: SessionLogin;
  pool: { email: string; id: string }[];
  /** An alternative's: the headers its guarded route is sent (lib/alternatives.ts). */
  credential?: Record<string, string>;
}

export const ADMIN_EMAIL = 'bench-admin@example.com';
export const ADMIN_PASSWORD = randomBytes(18).toString('base64url');

/** The entry point of a server that is not the app. */
const scriptOf = (def: ServerDef): { script?: string } =>
  def.adapter === RAW
    ? { script: RAW_HTTP_JS }
    : isFloor(def.adapter)
      ? { script: BARE_NEST_JS }
      : isAlternative(def.adapter)
        ? { script: alternativeScript(def.adapter) }
        : {};

/**
 * Every server a run can start, by configuration; each section names the ones it measures
 * (`Section.servers`) and the run starts those. A new configuration is one more line here.
 */
export function serverDefs(
  servers: BenchServers,
  o: { primary: HttpAdapterKind; guardAdapters: HttpAdapterKind[]; quick: boolean; redis: boolean },
): ServerDef[] {
  const sid = (config: string, adapter?: Platform): string => servers.id(config, adapter);
  const nest = (
    adapter: HttpAdapterKind,
    config: string,
    store: Store,
    algorithm: Algorithm,
    extra: Partial<ServerDef> = {},
  ): ServerDef => ({ id: sid(config, adapter), adapter, store, algorithm, ...extra });
  const p = o.primary;
  return [
    { id: sid('', RAW), adapter: RAW, store: 'embedded', algorithm: 'HS256' },
    ...o.guardAdapters.map((a): ServerDef => ({
      id: sid('', BARE[a]),
      adapter: BARE[a],
      store: 'embedded',
      algorithm: 'HS256',
    })),
    ...[...new Set([p, ...o.guardAdapters])].flatMap((adapter) => [
      nest(adapter, 'baseline', 'embedded', 'HS256', { baseline: true }),
      nest(adapter, 'hs256-embedded', 'embedded', 'HS256'),
    ]),
    nest(p, 'rs256-embedded', 'embedded', 'RS256'),
    // ES256 is measured in the full run only (a quick run has no time for a fifth JWT case).
    ...(o.quick ? [] : [nest(p, 'es256-embedded', 'embedded', 'ES256')]),
    nest(p, 'eddsa-embedded', 'embedded', 'EdDSA'),
    // Second instances on the same stores, for revocation seen from another instance (full run).
    ...(o.quick ? [] : [nest(p, 'peer-embedded', 'embedded', 'HS256', { peerOf: sid('hs256-embedded') })]),
    ...(o.redis
      ? [
          nest(p, 'hs256-redis', 'redis', 'HS256'),
          ...(o.quick ? [] : [nest(p, 'peer-redis', 'redis', 'HS256', { peerOf: sid('hs256-redis') })]),
        ]
      : []),
    // The alternatives the report sets this server against, in the guard section's rounds.
    ...alternativeDefs(sid),
  ];
}

/** The running servers of one run, by id. */
export class BenchServers {
  private readonly benches = new Map<string, Bench>();
  private readonly extraProcs: ServerProcess[] = [];
  private readonly redisPrefixes = new Map<string, string>();
  private readonly secrets = {
    jwt: randomBytes(48).toString('base64url'),
    session: randomBytes(48).toString('base64url'),
    mfa: randomBytes(48).toString('base64url'),
  };

  constructor(private readonly o: { tmp: string; pin: Pinning; primary: HttpAdapterKind; redisUrl: string }) {}

  /** A server's id: its configuration on an adapter (the primary one unless said). */
  id(config: string, adapter: Platform = this.o.primary): string {
    return adapter === RAW
      ? 'node-http'
      : isFloor(adapter)
        ? `bare-${adapter.replace(':', '-')}`
        : isAlternative(adapter) && !config
          ? adapter
          : `${adapter}-${config}`;
  }

  /** The running server of a configuration on the primary adapter (`hs256-embedded`), if started. */
  of(config: string): Bench | undefined {
    return this.benches.get(this.id(config));
  }

  get(id: string): Bench | undefined {
    return this.benches.get(id);
  }

  has(id: string): boolean {
    return this.benches.has(id);
  }

  all(): Bench[] {
    return [...this.benches.values()];
  }

  async start(defs: ServerDef[]): Promise<void> {
    const main = defs.filter((d) => !d.peerOf);
    const peers = defs.filter((d) => d.peerOf);
    const start = async (def: ServerDef): Promise<void> => {
      const env = this.envFor(def);
      const proc = new ServerProcess({
        name: def.id,
        env,
        cpu: this.o.pin.server,
        logFile: join(this.o.tmp, `${def.id}.log`),
        ...scriptOf(def),
      });
      await proc.start();
      this.benches.set(def.id, { def, proc, env, userId: '', pool: [] });
    };
    // Peers open the database their main server has migrated and seeded.
    await Promise.all(main.map(start));
    await Promise.all(peers.map(start));
  }

  /** A server of its own, on a fresh database, writing a CPU profile into `cpuProfDir` when it stops. */
  async startProfiled(def: ServerDef, cpuProfDir: string): Promise<Bench> {
    const proc = new ServerProcess({
      name: def.id,
      env: this.envFor(def, def.id),
      cpu: this.o.pin.server,
      logFile: join(this.o.tmp, `${def.id}.log`),
      cpuProfDir,
      ...scriptOf(def),
    });
    this.extraProcs.push(proc);
    await proc.start();
    return { def, proc, env: {}, userId: '', pool: [] };
  }

  /** Stops every server and deletes the run's Redis keys. */
  async stop(): Promise<void> {
    await Promise.all([...this.benches.values()].map((b) => b.proc.stop()));
    await Promise.all(this.extraProcs.map((p) => p.stop()));
    if (this.redisPrefixes.size > 0) {
      const client = createClient({ url: this.o.redisUrl, socket: { reconnectStrategy: false } });
      client.on('error', () => {});
      try {
        await client.connect();
        for (const prefix of this.redisPrefixes.values()) {
          for await (const keys of client.scanIterator({ MATCH: `${prefix}*`, COUNT: 1000 }))
            if (keys.length) await client.del(keys);
        }
      } catch {
        // Nothing to clean if Redis went away.
      } finally {
        if (client.isOpen) client.destroy();
      }
    }
  }

  private keysDir(algorithm: Exclude<Algorithm, 'HS256'>): string {
    const dir = join(this.o.tmp, `keys-${algorithm}`);
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

  /** The environment a server of this configuration runs with (also for sections that start their own). */
  envFor(def: ServerDef, dataKey = def.peerOf ?? def.id): Record<string, string> {
    if (def.adapter === RAW) return {};
    if (isAlternative(def.adapter)) return alternativeEnv(def, join(this.o.tmp, `data-${dataKey}`));
    // Nest alone: its adapter, and NODE_ENV as the app's servers run (Express reads it).
    if (isFloor(def.adapter))
      return { NODE_ENV: 'production', BENCH_BARE_ADAPTER: def.adapter === BARE.fastify ? 'fastify' : 'express' };
    const dataDir = join(this.o.tmp, `data-${dataKey}`);
    mkdirSync(dataDir, { recursive: true });
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      HTTP_ADAPTER: def.adapter,
      // No per-request log line in any case: the figures isolate the guard (logging costs every case alike).
      LOG_LEVEL: 'warn',
      DOCS_ENABLED: 'false',
      // Plain HTTP on loopback: a Secure cookie would never be sent back.
      COOKIE_SECURE: 'false',
      JWT_SECRET: this.secrets.jwt,
      SESSION_SECRET: this.secrets.session,
      // Production needs it like the other secrets (the bench runs NODE_ENV=production).
      MFA_ENCRYPTION_KEY: this.secrets.mfa,
      DATABASE_URL: `sqlite:${join(dataDir, 'auth.sqlite')}`,
      JWT_ALGORITHM: def.algorithm,
      // Outlives the run: a token of the first minute is still good for the last section.
      JWT_ACCESS_TTL: '3600',
      // The bench logs in thousands of times from one address: limits and lockout out of the way.
      // SESSION_MAX_PER_USER stays at its default: past it a login ends the user's oldest session.
      LOGIN_RATE_PER_IP: '100000',
      REGISTER_RATE_PER_IP: '100000',
      LOGIN_RATE_PER_EMAIL: '100000',
      LOGIN_MAX_FAILURES: '1000',
      ADMIN_EMAIL,
      ADMIN_PASSWORD,
    };
    if (def.algorithm !== 'HS256') env.JWT_KEYS_DIR = this.keysDir(def.algorithm);
    if (def.store === 'redis') {
      if (!this.redisPrefixes.has(dataKey)) this.redisPrefixes.set(dataKey, `bench:${randomUUID()}:`);
      env.REDIS_URL = this.o.redisUrl;
      env.REDIS_KEY_PREFIX = this.redisPrefixes.get(dataKey)!;
    }
    if (def.baseline) env.BENCH_BASELINE = '1';
    return { ...env, ...def.env };
  }
}

/** Registers the server's bench user and signs it in both ways (the baseline: sets it as its fixed user). */
export async function prepare(b: Bench): Promise<void> {
  const email = `bench-${b.def.id}@example.com`;
  if (isAlternative(b.def.adapter)) return prepareAlternative(b);
  if (b.def.peerOf || isFloor(b.def.adapter)) return;
  b.userId = await register(b.proc.url, email);
  if (b.def.baseline) {
    await b.proc.setFixedUser(b.userId);
    return;
  }
  b.jwt = await loginJwt(b.proc.url, email);
  b.session = await loginSession(b.proc.url, email);
}

/** Registers users on the server until its pool holds `size`, for sections that log in many times. */
export async function ensurePool(b: Bench, size: number): Promise<void> {
  while (b.pool.length < size) {
    const batch = Array.from(
      { length: Math.min(8, size - b.pool.length) },
      () => `bench-pool-${randomUUID()}@example.com`,
    );
    const ids = await Promise.all(batch.map((e) => register(b.proc.url, e)));
    batch.forEach((email, i) => b.pool.push({ email, id: ids[i]! }));
  }
}
