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
  HTTP_ADAPTER: HttpAdapterKind = 'express';

  @Matches(/^(sqlite:.+|postgres(ql)?:\/\/.+)$/, {
    message: 'DATABASE_URL must be sqlite:<file>, sqlite::memory: or postgres://…',
  })
  DATABASE_URL = 'sqlite:data/auth.sqlite';

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/.+/, { message: 'REDIS_URL must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

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
  @Transform(toBool)
  @IsOptional()
  @IsBoolean()
  DOCS_ENABLED?: boolean;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';
}

const TYPE_CONSTRAINTS = new Set(['isInt', 'isBoolean', 'isString', 'isIn', 'matches']);

/** Every variable the server reads: those with a default, and those that may stay unset. */
export const ENV_VARIABLES: readonly string[] = [
  ...Object.keys(new Env()),
  'REDIS_URL',
  'JWT_SECRET',
  'JWT_KEYS_DIR',
  'SESSION_SECRET',
  'COOKIE_SECURE',
  'ADMIN_EMAIL',
  'ADMIN_PASSWORD',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'DOCS_ENABLED',
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
