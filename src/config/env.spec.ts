import { ConfigError, parseEnv } from './env.js';

/** The error `parseEnv` throws for this environment, or a failure if it accepts it. */
function rejectionOf(raw: Record<string, string>): ConfigError {
  try {
    parseEnv(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`parseEnv accepted ${JSON.stringify(raw)}`);
}

describe('parseEnv', () => {
  it('applies the defaults of api.md when nothing is set', () => {
    const env = parseEnv({});
    expect({ ...env }).toEqual({
      NODE_ENV: 'development',
      PORT: 3000,
      HOST: '0.0.0.0',
      HTTP_ADAPTER: 'express',
      DATABASE_URL: 'sqlite:data/auth.sqlite',
      REDIS_KEY_PREFIX: 'auth:',
      JWT_ALGORITHM: 'HS256',
      JWT_ISSUER: 'auth-server',
      JWT_AUDIENCE: 'api',
      JWT_ACCESS_TTL: 900,
      JWT_REFRESH_TTL: 1_209_600,
      SESSION_IDLE_TIMEOUT: 1800,
      SESSION_ABSOLUTE_TIMEOUT: 43_200,
      SESSION_MAX_PER_USER: 10,
      LOGIN_RATE_PER_IP: 30,
      LOGIN_RATE_PER_EMAIL: 10,
      LOGIN_MAX_FAILURES: 10,
      LOGIN_LOCK_SECONDS: 900,
      AUDIT_RETENTION_DAYS: 90,
      LOG_LEVEL: 'info',
    });
    // Optional variables stay unset: their defaults depend on NODE_ENV and are decided per namespace.
    expect(env.COOKIE_SECURE).toBeUndefined();
    expect(env.DOCS_ENABLED).toBeUndefined();
    expect(env.JWT_SECRET).toBeUndefined();
    expect(env.SESSION_SECRET).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('converts numbers and booleans, and treats an empty optional variable as unset', () => {
    const env = parseEnv({
      PORT: '8080',
      SESSION_IDLE_TIMEOUT: ' 60 ',
      COOKIE_SECURE: 'TRUE',
      DOCS_ENABLED: '0',
      JWT_SECRET: '',
      REDIS_URL: '  ',
    });
    expect(env.PORT).toBe(8080);
    expect(env.SESSION_IDLE_TIMEOUT).toBe(60);
    expect(env.COOKIE_SECURE).toBe(true);
    expect(env.DOCS_ENABLED).toBe(false);
    expect(env.JWT_SECRET).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('ignores variables it does not know', () => {
    const env = parseEnv({ PATH: '/usr/bin', SOMETHING_ELSE: 'x' }) as unknown as Record<string, unknown>;
    expect(env.PATH).toBeUndefined();
    expect(env.SOMETHING_ELSE).toBeUndefined();
  });

  it('accepts every algorithm, database URL form and log level of api.md', () => {
    for (const JWT_ALGORITHM of ['HS256', 'RS256', 'ES256', 'EdDSA']) {
      expect(parseEnv({ JWT_ALGORITHM }).JWT_ALGORITHM).toBe(JWT_ALGORITHM);
    }
    for (const DATABASE_URL of ['sqlite:/tmp/a.sqlite', 'sqlite::memory:', 'postgres://u:p@db:5432/auth']) {
      expect(parseEnv({ DATABASE_URL }).DATABASE_URL).toBe(DATABASE_URL);
    }
    expect(parseEnv({ LOG_LEVEL: 'silent' }).LOG_LEVEL).toBe('silent');
  });

  it.each([
    ['JWT_ALGORITHM', 'HS512', /must be one of/],
    ['JWT_ALGORITHM', 'none', /must be one of/],
    ['PORT', 'abc', /integer/],
    ['PORT', '70000', /greater than 65535/],
    ['PORT', '3000.5', /integer/],
    ['DATABASE_URL', 'mysql://x', /sqlite:<file>/],
    ['SESSION_IDLE_TIMEOUT', '0', /less than 1/],
    ['SESSION_IDLE_TIMEOUT', 'soon', /integer/],
    ['COOKIE_SECURE', 'maybe', /boolean/],
    ['DOCS_ENABLED', 'perhaps', /boolean/],
    ['REDIS_URL', 'http://127.0.0.1:6379', /redis:\/\//],
    ['NODE_ENV', 'staging', /must be one of/],
    ['LOG_LEVEL', 'verbose', /must be one of/],
    ['HTTP_ADAPTER', 'koa', /must be one of/],
    ['JWT_ACCESS_TTL', '-5', /less than 1/],
  ])('rejects %s=%s with one line naming the variable', (name, value, why) => {
    const err = rejectionOf({ [name]: value });
    expect(err.message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain('\n');
  });

  it('names the bad variable, not a good one beside it', () => {
    const err = rejectionOf({ PORT: '8080', JWT_ALGORITHM: 'HS512', LOG_LEVEL: 'debug' });
    expect(err.message).toContain('JWT_ALGORITHM');
    expect(err.message).not.toMatch(/PORT|LOG_LEVEL/);
  });

  it('never echoes the rejected value, which may be a secret pasted into the wrong variable', () => {
    const err = rejectionOf({ DATABASE_URL: 'mysql://admin:hunter2-secret@db/x' });
    expect(err.message).not.toContain('hunter2-secret');
  });
});
