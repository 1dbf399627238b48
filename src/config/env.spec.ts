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
      HTTP_ADAPTER: 'fastify',
      DATABASE_URL: 'sqlite:data/auth.sqlite',
      REDIS_KEY_PREFIX: 'auth:',
      JWT_ALGORITHM: 'HS256',
      JWT_ISSUER: 'auth-server',
      JWT_AUDIENCE: 'api',
      JWT_ACCESS_TTL: 900,
      JWT_REFRESH_TTL: 1_209_600,
      JWT_REFRESH_ABSOLUTE_TTL: 2_592_000,
      SESSION_IDLE_TIMEOUT: 1800,
      SESSION_ABSOLUTE_TIMEOUT: 43_200,
      SESSION_MAX_PER_USER: 10,
      LOGIN_RATE_PER_IP: 30,
      LOGIN_RATE_PER_EMAIL: 10,
      LOGIN_MAX_FAILURES: 10,
      LOGIN_LOCK_SECONDS: 900,
      AUDIT_RETENTION_DAYS: 90,
      LOG_LEVEL: 'info',
      DPOP_REQUIRED: false,
      DPOP_NONCE: false,
      WEBAUTHN_RP_NAME: 'Auth server',
      MAIL_FROM: 'no-reply@localhost',
      PASSWORD_RESET_TTL: 1800,
      EMAIL_VERIFY_TTL: 86_400,
      REQUIRE_EMAIL_VERIFICATION: false,
      REAUTH_MAX_AGE: 900,
      REGISTER_RATE_PER_IP: 10,
    });
    // Optional variables stay unset: their defaults depend on NODE_ENV and are decided per namespace.
    expect(env.COOKIE_SECURE).toBeUndefined();
    expect(env.DOCS_ENABLED).toBeUndefined();
    expect(env.JWT_SECRET).toBeUndefined();
    expect(env.SESSION_SECRET).toBeUndefined();
    expect(env.AUDIT_SECRET).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
    expect(env.APP_URL).toBeUndefined();
    expect(env.INTROSPECTION_CLIENTS).toBeUndefined();
  });

  it('converts numbers and booleans, and treats an empty optional variable as unset', () => {
    const env = parseEnv({
      PORT: '8080',
      SESSION_IDLE_TIMEOUT: ' 60 ',
      COOKIE_SECURE: 'TRUE',
      DOCS_ENABLED: '0',
      JWT_SECRET: '',
      AUDIT_SECRET: '',
      REDIS_URL: '  ',
    });
    expect(env.PORT).toBe(8080);
    expect(env.SESSION_IDLE_TIMEOUT).toBe(60);
    expect(env.COOKIE_SECURE).toBe(true);
    expect(env.DOCS_ENABLED).toBe(false);
    expect(env.JWT_SECRET).toBeUndefined();
    expect(env.AUDIT_SECRET).toBeUndefined();
    expect(env.REDIS_URL).toBeUndefined();
  });

  it('METRICS_PORT: unset (or empty) means no metrics; a port number otherwise, 0 for any free one', () => {
    expect(parseEnv({}).METRICS_PORT).toBeUndefined();
    expect(parseEnv({ METRICS_PORT: ' ' }).METRICS_PORT).toBeUndefined();
    expect(parseEnv({ METRICS_PORT: '9464' }).METRICS_PORT).toBe(9464);
    expect(parseEnv({ METRICS_PORT: '0' }).METRICS_PORT).toBe(0);
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
    ['APP_URL', 'localhost:3000', /http/],
    ['APP_URL', 'https://auth.example.com/app', /without a path/],
    ['APP_URL', 'https://auth.example.com?x=1', /without a path/],
    ['DPOP_REQUIRED', 'maybe', /boolean/],
    ['DPOP_NONCE', 'sometimes', /boolean/],
    ['METRICS_PORT', 'metrics', /integer/],
    ['METRICS_PORT', '65536', /greater than 65535/],
    ['METRICS_PORT', '-1', /less than 0/],
    ['REAUTH_MAX_AGE', '0', /less than 1/],
    ['REAUTH_MAX_AGE', 'ten minutes', /integer/],
    ['REQUIRE_EMAIL_VERIFICATION', 'sometimes', /boolean/],
    ['PASSWORD_RESET_TTL', '10', /less than 60/],
    ['EMAIL_VERIFY_TTL', 'a day', /integer/],
    ['REGISTER_RATE_PER_IP', '0', /less than 1/],
    ['SMTP_URL', 'http://mail.example.com', /smtp:\/\//],
    ['MAIL_FROM', 'not an address', /email address/],
  ])('rejects %s=%s with one line naming the variable', (name, value, why) => {
    const err = rejectionOf({ [name]: value });
    expect(err.message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain('\n');
  });

  it('reads APP_URL, DPOP_REQUIRED, DPOP_NONCE and INTROSPECTION_CLIENTS', () => {
    const env = parseEnv({
      APP_URL: 'https://auth.example.com/',
      DPOP_REQUIRED: 'true',
      DPOP_NONCE: '1',
      INTROSPECTION_CLIENTS: 'rs:0123456789abcdef',
    });
    expect(env.APP_URL).toBe('https://auth.example.com/');
    expect(env.DPOP_REQUIRED).toBe(true);
    expect(env.DPOP_NONCE).toBe(true);
    expect(env.INTROSPECTION_CLIENTS).toBe('rs:0123456789abcdef');
  });

  it('reads the account variables: origin, SMTP, TTLs, verification, fresh sign-in, sign-up limit', () => {
    const env = parseEnv({
      APP_URL: 'https://auth.example.com',
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      MAIL_FROM: 'auth@example.com',
      PASSWORD_RESET_TTL: '600',
      EMAIL_VERIFY_TTL: '3600',
      REQUIRE_EMAIL_VERIFICATION: 'true',
      REAUTH_MAX_AGE: '300',
      REGISTER_RATE_PER_IP: '5',
    });
    expect(env).toMatchObject({
      APP_URL: 'https://auth.example.com',
      SMTP_URL: 'smtps://user:pass@mail.example.com:465',
      MAIL_FROM: 'auth@example.com',
      PASSWORD_RESET_TTL: 600,
      EMAIL_VERIFY_TTL: 3600,
      REQUIRE_EMAIL_VERIFICATION: true,
      REAUTH_MAX_AGE: 300,
      REGISTER_RATE_PER_IP: 5,
    });
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
