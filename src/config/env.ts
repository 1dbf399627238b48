import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  validateSync,
} from 'class-validator';

/** Raised for configuration that must stop start-up; the message is one line naming the variable. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export const HTTP_ADAPTERS = ['express', 'fastify'] as const;
export type HttpAdapterKind = (typeof HTTP_ADAPTERS)[number];

export const JWT_ALGORITHMS = ['HS256', 'RS256', 'ES256', 'EdDSA'] as const;
export type JwtAlgorithm = (typeof JWT_ALGORITHMS)[number];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value) : value;
const toBool = ({ value }: { value: unknown }): unknown => {
  if (typeof value !== 'string') return value;
  const v = value.trim().toLowerCase();
  if (['true', '1', 'yes'].includes(v)) return true;
  if (['false', '0', 'no'].includes(v)) return false;
  return value;
};
/** An empty variable means "unset", as in most deployment tools. */
const emptyToUndefined = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every variable of the HTTP contract (`api.md`, "Running it"), validated once at start-up.
 * Defaults live here and nowhere else.
 */
export class Env {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @MinLength(1)
  HOST = '0.0.0.0';

  /** The HTTP layer under Nest: both serve the same API; see the README for why the default is what it is. */
  @IsIn(HTTP_ADAPTERS)
  HTTP_ADAPTER: HttpAdapterKind = 'fastify';

  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'DATABASE_URL must be sqlite:<file>, sqlite::memory: or postgres://…',
  })
  DATABASE_URL = 'sqlite:data/auth.sqlite';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?(\+cluster)?:\/\/.+/, {
    message: 'REDIS_URL must be a redis://, rediss://, redis+cluster:// or rediss+cluster:// URL',
  })
  REDIS_URL?: string;

  /**
   * Replicas that must hold a session or revocation write before it counts as done (`WAIT`), so a
   * failover cannot lose it. Unset: 1 on a cluster, 0 (no wait) on one server.
   */
  @Transform(emptyToUndefined)
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(5)
  REDIS_WAIT_REPLICAS?: number;

  /** Prefix of every Redis key this server writes, so several deployments (or test runs) share one Redis. */
  @Matches(/^[\w:.-]{0,64}$/, { message: 'REDIS_KEY_PREFIX must be at most 64 characters of letters, digits, _ : . -' })
  REDIS_KEY_PREFIX = 'auth:';

  @IsIn(JWT_ALGORITHMS)
  JWT_ALGORITHM: JwtAlgorithm = 'HS256';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  JWT_KEYS_DIR?: string;

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  JWT_ISSUER = 'auth-server';

  @IsString()
  @MinLength(1)
  @MaxLength(256)
  JWT_AUDIENCE = 'api';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  JWT_ACCESS_TTL = 900;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(31_536_000)
  JWT_REFRESH_TTL = 1_209_600;

  /** A refresh family ends this long after its login however often it slides (api.md). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  JWT_REFRESH_ABSOLUTE_TTL = 2_592_000;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  SESSION_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  SESSION_IDLE_TIMEOUT = 1800;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  SESSION_ABSOLUTE_TIMEOUT = 43_200;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  SESSION_MAX_PER_USER = 10;

  @Transform(emptyToUndefined)
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  COOKIE_SECURE?: boolean;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  ADMIN_PASSWORD?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  TRUST_PROXY?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  CORS_ORIGINS?: string;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_RATE_PER_IP = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  LOGIN_RATE_PER_EMAIL = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(1000)
  LOGIN_MAX_FAILURES = 10;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(31_536_000)
  LOGIN_LOCK_SECONDS = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(36_500)
  AUDIT_RETENTION_DAYS = 90;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  AUDIT_SECRET?: string;

  @Transform(emptyToUndefined)
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  DOCS_ENABLED?: boolean;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** The public origin (mail links, the WebAuthn origin, DPoP `htu`); unset: `http://localhost:${PORT}` (decided in config.ts). */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^https?:\/\/[^/?#\s]+\/?$/, { message: 'APP_URL must be an http:// or https:// origin, without a path' })
  APP_URL?: string;

  /** When true, a JWT login without a DPoP proof is refused. */
  @Transform(toBool)
  @IsBoolean()
  DPOP_REQUIRED = false;

  /** When true, DPoP proofs must carry a server nonce (RFC 9449 §8). */
  @Transform(toBool)
  @IsBoolean()
  DPOP_NONCE = false;

  /** `id:secret,id:secret`: resource servers allowed to introspect; checked in config.ts. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  INTROSPECTION_CLIENTS?: string;
  /** Prometheus metrics on HOST:METRICS_PORT/metrics, a listener of its own; unset: no metrics at all. 0: any free port. */
  @Transform(emptyToUndefined)
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  /** Unset: mails are written as .eml files to data/outbox/. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^smtps?:\/\/\S+$/, { message: 'SMTP_URL must be an smtp:// or smtps:// URL' })
  SMTP_URL?: string;

  @IsString()
  @MaxLength(320)
  @Matches(/^[^\s@<>"]+@[^\s@<>"]+$/, { message: 'MAIL_FROM must be an email address' })
  MAIL_FROM = 'no-reply@localhost';

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(86_400)
  PASSWORD_RESET_TTL = 1800;

  @Transform(toInt)
  @IsInt()
  @Min(60)
  @Max(2_592_000)
  EMAIL_VERIFY_TTL = 86_400;

  @Transform(toBool)
  @IsBoolean()
  REQUIRE_EMAIL_VERIFICATION = false;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86_400)
  REAUTH_MAX_AGE = 900;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100_000)
  REGISTER_RATE_PER_IP = 10;

  /** The WebAuthn relying party id (a registrable domain of APP_URL's host); unset: that host. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^[a-z0-9.-]{1,253}$/, { message: 'WEBAUTHN_RP_ID must be a host name such as example.com' })
  WEBAUTHN_RP_ID?: string;

  /** Shown by authenticators next to the account, and the issuer of TOTP entries. */
  @IsString()
  @MinLength(1)
  @MaxLength(64)
  WEBAUTHN_RP_NAME = 'Auth server';

  /**
   * _(addition)_ Key of the TOTP secrets at rest, at least 32 bytes; a comma-separated list: the
   * first encrypts, all decrypt. Generated into the data folder outside production.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  MFA_ENCRYPTION_KEY?: string;
}

const TYPE_CONSTRAINTS = new Set(['isInt', 'isBoolean', 'isString', 'isIn', 'matches']);

/** Every variable the server reads: those with a default, and those that may stay unset. */
export const ENV_VARIABLES: readonly string[] = [
  ...Object.keys(new Env()),
  'REDIS_URL',
  'REDIS_WAIT_REPLICAS',
  'JWT_SECRET',
  'JWT_KEYS_DIR',
  'SESSION_SECRET',
  'AUDIT_SECRET',
  'COOKIE_SECURE',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'DOCS_ENABLED',
  'APP_URL',
  'INTROSPECTION_CLIENTS',
  'METRICS_PORT',
  'WEBAUTHN_RP_ID',
  'MFA_ENCRYPTION_KEY',
  'SMTP_URL',
];

/** Validates the raw environment. Throws a ConfigError whose message names the first bad variable. */
export function parseEnv(raw: Record<string, string | undefined>): Env {
  const picked: Record<string, string> = {};
  for (const key of ENV_VARIABLES) {
    const value = raw[key];
    if (value !== undefined) picked[key] = value;
  }
  const env = plainToInstance(Env, picked, { exposeDefaultValues: true });
  const errors = validateSync(env);
  const first = errors[0];
  if (first) {
    // Say what the value is before how big it may be: `PORT=abc` "must be an integer", not "must not
    // be greater than 65535" (class-validator checks a property's decorators bottom-up).
    const constraints = first.constraints ?? {};
    const kind = Object.keys(constraints).find((c) => TYPE_CONSTRAINTS.has(c));
    const why = (kind ? constraints[kind] : Object.values(constraints)[0]) ?? 'is invalid';
    throw new ConfigError(
      `Invalid configuration: ${why.startsWith(first.property) ? why : `${first.property} ${why}`}`,
    );
  }
  return env;
}
