import { registerAs } from '@nestjs/config';
import { dirname, resolve } from 'node:path';
import { ConfigError, type Env, type JwtAlgorithm, parseEnv } from './env.js';
import { assertStrongSecret, persistedSecret } from './secrets.js';

/**
 * Typed configuration namespaces. Each reads the environment through `parseEnv`, the one place
 * where variables are validated and defaulted; nothing outside `src/config/` reads `process.env`.
 */
const env = (): Env => parseEnv(process.env);
const isProd = (e: Env): boolean => e.NODE_ENV === 'production';
const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);

export type DatabaseKind = 'sqlite' | 'postgres';

export function databaseOptionsFromEnv(e: Env = env()): {
  kind: DatabaseKind;
  url: string;
  sqlitePath?: string;
  /** PostgreSQL schema the app's tables live in (`?schema=` in the URL); unset: the server's default. */
  schema?: string;
} {
  if (e.DATABASE_URL.startsWith('sqlite:')) {
    const file = e.DATABASE_URL.slice('sqlite:'.length);
    return { kind: 'sqlite', url: e.DATABASE_URL, sqlitePath: file === ':memory:' ? ':memory:' : resolve(file) };
  }
  return postgresOptions(e.DATABASE_URL);
}

/**
 * Several deployments (or test runs) can share one database, each in its own schema:
 * `postgres://…/db?schema=auth`. The parameter is ours, not libpq's, so it leaves the URL here.
 * Lower-case only: the name goes unquoted into `search_path`, which folds case.
 */
function postgresOptions(raw: string): { kind: 'postgres'; url: string; schema?: string } {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('Invalid configuration: DATABASE_URL is not a valid postgres:// URL');
  }
  const schema = url.searchParams.get('schema');
  if (schema === null) return { kind: 'postgres', url: raw };
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
    throw new ConfigError(
      'Invalid configuration: DATABASE_URL schema must be 1 to 63 lower-case letters, digits or _, not starting with a digit',
    );
  }
  url.searchParams.delete('schema');
  return { kind: 'postgres', url: url.toString(), schema };
}

/** Where generated secrets live: the SQLite file's folder, or `./data`. */
function dataDir(e: Env): string {
  const db = databaseOptionsFromEnv(e);
  return db.sqlitePath && db.sqlitePath !== ':memory:' ? dirname(db.sqlitePath) : resolve('data');
}

function secret(e: Env, name: 'JWT_SECRET' | 'SESSION_SECRET', file: string): string[] {
  const configured = list(e[name]);
  if (configured.length === 0) {
    if (isProd(e)) throw new ConfigError(`Invalid configuration: ${name} is required in production`);
    return [persistedSecret(dataDir(e), file)];
  }
  configured.forEach((s) => assertStrongSecret(name, s));
  return configured;
}

export const httpConfig = registerAs('http', () => {
  const e = env();
  return {
    production: isProd(e),
    port: e.PORT,
    host: e.HOST,
    adapter: e.HTTP_ADAPTER,
    trustProxy: parseTrustProxy(e.TRUST_PROXY),
    corsOrigins: list(e.CORS_ORIGINS),
    docsEnabled: e.DOCS_ENABLED ?? !isProd(e),
    logLevel: e.LOG_LEVEL,
  };
});

/**
 * `TRUST_PROXY` takes what Express' `trust proxy` and Fastify's `trustProxy` both take (both use
 * proxy-addr): a hop count, a boolean, or addresses, CIDR ranges and names such as `loopback`.
 */
function parseTrustProxy(value: string | undefined): boolean | number | string | undefined {
  if (value === undefined) return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  if (value === 'true') return true;
  if (value === 'false') return false;
  return value;
}

export const databaseConfig = registerAs('database', () => databaseOptionsFromEnv());

export const redisConfig = registerAs('redis', () => {
  const e = env();
  return { url: e.REDIS_URL, keyPrefix: e.REDIS_KEY_PREFIX };
});

export const jwtConfig = registerAs('jwt', () => {
  const e = env();
  const algorithm: JwtAlgorithm = e.JWT_ALGORITHM;
  if (algorithm !== 'HS256' && !e.JWT_KEYS_DIR) {
    throw new ConfigError(`Invalid configuration: JWT_KEYS_DIR is required when JWT_ALGORITHM is ${algorithm}`);
  }
  return {
    algorithm,
    // Only HS256 uses the shared secret; the first of a comma-separated list signs.
    secret: algorithm === 'HS256' ? secret(e, 'JWT_SECRET', 'jwt-secret')[0]! : undefined,
    keysDir: e.JWT_KEYS_DIR ? resolve(e.JWT_KEYS_DIR) : undefined,
    issuer: e.JWT_ISSUER,
    audience: e.JWT_AUDIENCE,
    accessTtl: e.JWT_ACCESS_TTL,
    refreshTtl: e.JWT_REFRESH_TTL,
    cookieSecure: e.COOKIE_SECURE ?? isProd(e),
  };
});

export const sessionConfig = registerAs('session', () => {
  const e = env();
  if (e.SESSION_ABSOLUTE_TIMEOUT < e.SESSION_IDLE_TIMEOUT) {
    throw new ConfigError(
      'Invalid configuration: SESSION_ABSOLUTE_TIMEOUT must not be shorter than SESSION_IDLE_TIMEOUT',
    );
  }
  const cookieSecure = e.COOKIE_SECURE ?? isProd(e);
  return {
    // The first secret signs; the others still verify, so a secret rotates without logging anyone out.
    secrets: secret(e, 'SESSION_SECRET', 'session-secret'),
    idleTimeout: e.SESSION_IDLE_TIMEOUT,
    absoluteTimeout: e.SESSION_ABSOLUTE_TIMEOUT,
    maxPerUser: e.SESSION_MAX_PER_USER,
    cookieSecure,
    // `__Host-` binds the cookie to this exact origin, over HTTPS, on Path=/ (RFC 6265bis §4.1.3.2).
    cookieName: cookieSecure ? '__Host-sid' : 'sid',
  };
});

export const adminConfig = registerAs('admin', () => {
  const e = env();
  if (Boolean(e.ADMIN_EMAIL) !== Boolean(e.ADMIN_PASSWORD)) {
    throw new ConfigError('Invalid configuration: ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  return { email: e.ADMIN_EMAIL, password: e.ADMIN_PASSWORD };
});

export const abuseConfig = registerAs('abuse', () => {
  const e = env();
  return {
    loginRatePerIp: e.LOGIN_RATE_PER_IP,
    loginRatePerEmail: e.LOGIN_RATE_PER_EMAIL,
    maxFailures: e.LOGIN_MAX_FAILURES,
    lockSeconds: e.LOGIN_LOCK_SECONDS,
  };
});

export const auditConfig = registerAs('audit', () => ({ retentionDays: env().AUDIT_RETENTION_DAYS }));

export const allConfig = [
  httpConfig,
  databaseConfig,
  redisConfig,
  jwtConfig,
  sessionConfig,
  adminConfig,
  abuseConfig,
  auditConfig,
];
