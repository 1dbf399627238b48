import { registerAs } from '@nestjs/config';
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
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

function secret(e: Env, name: 'JWT_SECRET' | 'SESSION_SECRET' | 'MFA_ENCRYPTION_KEY', file: string): string[] {
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

export interface RedisNode {
  host: string;
  port: number;
}

/** Where Redis is: one server (or a Sentinel-managed primary behind one address), or a Redis Cluster. */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; rootNodes: RedisNode[]; tls: boolean; username?: string; password?: string };

export const redisConfig = registerAs('redis', () => {
  const e = env();
  const target = e.REDIS_URL === undefined ? undefined : parseRedisUrl(e.REDIS_URL);
  return {
    url: e.REDIS_URL,
    target,
    keyPrefix: e.REDIS_KEY_PREFIX,
    waitReplicas: e.REDIS_WAIT_REPLICAS ?? (target?.kind === 'cluster' ? 1 : 0),
  };
});

/**
 * `redis://…` / `rediss://…` pass through to node-redis. `redis+cluster://[user:password@]host:port[,host:port…]`
 * (`rediss+cluster://` for TLS) lists the cluster's seed nodes: the client learns the rest from
 * them. Messages never echo the URL, which may hold a password.
 */
export function parseRedisUrl(raw: string): RedisTarget {
  const scheme = /^(rediss?)\+cluster:\/\//.exec(raw);
  if (!scheme) return { kind: 'single', url: raw };
  const bad = (why: string): ConfigError => new ConfigError(`Invalid configuration: REDIS_URL ${why}`);
  let rest = raw.slice(scheme[0].length).replace(/\/$/, '');
  let username: string | undefined;
  let password: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0) {
    const credentials = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = credentials.indexOf(':');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s);
      } catch {
        throw bad('has a badly percent-encoded user or password');
      }
    };
    username = decode(colon >= 0 ? credentials.slice(0, colon) : credentials) || undefined;
    password = colon >= 0 ? decode(credentials.slice(colon + 1)) : undefined;
  }
  if (rest.includes('/') || rest.includes('?'))
    throw bad('of a cluster takes no path or query: host:port[,host:port…]');
  const rootNodes = rest.split(',').map((item): RedisNode => {
    const node = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/.exec(item.trim());
    const port = Number(node?.[2]);
    if (!node || port < 1 || port > 65535) throw bad('of a cluster must list nodes as host:port[,host:port…]');
    return { host: node[1]!.replace(/^\[(.*)\]$/, '$1'), port };
  });
  return { kind: 'cluster', rootNodes, tls: scheme[1] === 'rediss', username, password };
}

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
    refreshAbsoluteTtl: e.JWT_REFRESH_ABSOLUTE_TTL,
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
    registerRatePerIp: e.REGISTER_RATE_PER_IP,
  };
});

export const auditConfig = registerAs('audit', () => {
  const e = env();
  return { retentionDays: e.AUDIT_RETENTION_DAYS, pseudonymKey: auditPseudonymKey(e) };
});

/**
 * The key of the audit trail's pseudonyms (an HMAC-SHA256 stands for an email that names no
 * account): `AUDIT_SECRET` when set; otherwise derived from the signing `SESSION_SECRET` (HKDF,
 * RFC 5869, with its own label), itself generated outside production, so no deployment needs one
 * more secret and every instance sharing the session secret makes the same pseudonyms.
 */
function auditPseudonymKey(e: Env): KeyObject {
  if (e.AUDIT_SECRET) {
    assertStrongSecret('AUDIT_SECRET', e.AUDIT_SECRET);
    return createSecretKey(Buffer.from(e.AUDIT_SECRET, 'utf8'));
  }
  const base = secret(e, 'SESSION_SECRET', 'session-secret')[0]!;
  return createSecretKey(Buffer.from(hkdfSync('sha256', base, '', 'nest-dual-auth audit pseudonym', 32)));
}

/** The public origin, without a trailing slash: `APP_URL`, or `http://localhost:${PORT}`. */
export const appUrlOf = (e: Env): string => (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');

export const dpopConfig = registerAs('dpop', () => {
  const e = env();
  return {
    /** Proofs' `htu` is compared with this origin plus the request's path (RFC 9449 §4.3). */
    appUrl: appUrlOf(e),
    required: e.DPOP_REQUIRED,
    nonce: e.DPOP_NONCE,
    /**
     * Server nonces are an HMAC every instance can check without shared state, keyed by a key
     * derived from the session secret (which every instance of a deployment already shares), so
     * no extra variable is needed. Derived, never the secret itself: a nonce key can then never
     * sign a session cookie.
     */
    nonceKey: createHmac('sha256', secret(e, 'SESSION_SECRET', 'session-secret')[0]!)
      .update('dpop-nonce-key')
      .digest(),
  };
});

/** An introspection client's secret: RFC 7662 asks for client authentication; short secrets are guessable. */
const MIN_CLIENT_SECRET_LENGTH = 16;

export const introspectionConfig = registerAs('introspection', () => {
  const e = env();
  const clients = new Map<string, string>();
  for (const entry of list(e.INTROSPECTION_CLIENTS)) {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    const clientSecret = colon > 0 ? entry.slice(colon + 1) : '';
    if (!/^[\w.-]{1,64}$/.test(id)) {
      throw new ConfigError(
        'Invalid configuration: INTROSPECTION_CLIENTS must be id:secret pairs, ids of 1 to 64 letters, digits, _ . -',
      );
    }
    if (clientSecret.length < MIN_CLIENT_SECRET_LENGTH) {
      throw new ConfigError(
        `Invalid configuration: INTROSPECTION_CLIENTS secret of ${id} must be at least ${MIN_CLIENT_SECRET_LENGTH} characters`,
      );
    }
    if (clients.has(id)) throw new ConfigError(`Invalid configuration: INTROSPECTION_CLIENTS names ${id} twice`);
    clients.set(id, clientSecret);
  }
  return { clients };
});

export const metricsConfig = registerAs('metrics', () => {
  const e = env();
  // 0 picks a free port for each listener, so only a fixed port can collide with PORT.
  if (e.METRICS_PORT !== undefined && e.METRICS_PORT !== 0 && e.METRICS_PORT === e.PORT) {
    throw new ConfigError(
      'Invalid configuration: METRICS_PORT must differ from PORT (metrics never share the public port)',
    );
  }
  return { port: e.METRICS_PORT, host: e.HOST };
});

/** The public origin, without a trailing slash. */
const appUrl = (e: Env): string => (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, '');

/**
 * The second factor and passkeys. TOTP secrets are sealed with AES-256-GCM under keys derived
 * from `MFA_ENCRYPTION_KEY` (the first seals, all open, so the key rotates). The WebAuthn origin is
 * APP_URL's; the RP id must be that host or a registrable suffix of it (WebAuthn L3 §5.1.4.1), or no
 * browser would ever create a credential.
 */
export const mfaConfig = registerAs('mfa', () => {
  const e = env();
  const origin = appUrl(e);
  const host = new URL(origin).hostname;
  const rpId = e.WEBAUTHN_RP_ID ?? host;
  if (host !== rpId && !host.endsWith(`.${rpId}`)) {
    throw new ConfigError(
      `Invalid configuration: WEBAUTHN_RP_ID must be the host of APP_URL (${host}) or a parent domain of it`,
    );
  }
  return {
    encryptionKeys: secret(e, 'MFA_ENCRYPTION_KEY', 'mfa-encryption-key'),
    origin,
    rpId,
    rpName: e.WEBAUTHN_RP_NAME,
  };
});

/** The account lifecycle: fresh sign-in, mailed tokens, mail. */
export const accountConfig = registerAs('account', () => {
  const e = env();
  return {
    appUrl: (e.APP_URL ?? `http://localhost:${e.PORT}`).replace(/\/$/, ''),
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    /** Where mails go without SMTP_URL: next to the SQLite file, or ./data. */
    outboxDir: resolve(dataDir(e), 'outbox'),
    passwordResetTtl: e.PASSWORD_RESET_TTL,
    emailVerifyTtl: e.EMAIL_VERIFY_TTL,
    requireEmailVerification: e.REQUIRE_EMAIL_VERIFICATION,
    reauthMaxAge: e.REAUTH_MAX_AGE,
  };
});

export const allConfig = [
  httpConfig,
  databaseConfig,
  redisConfig,
  jwtConfig,
  sessionConfig,
  adminConfig,
  abuseConfig,
  auditConfig,
  dpopConfig,
  introspectionConfig,
  metricsConfig,
  mfaConfig,
  accountConfig,
];
