import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  abuseConfig,
  adminConfig,
  auditConfig,
  databaseOptionsFromEnv,
  httpConfig,
  jwtConfig,
  sessionConfig,
} from './config.js';
import { ConfigError, parseEnv } from './env.js';

const SECRET_A = 'a'.repeat(32);
const SECRET_B = 'b'.repeat(40);
const SHORT = 'c'.repeat(31);

const saved = { ...process.env };
let dataDir: string;

/** Runs the namespaces against exactly this environment, with the SQLite file in a fresh folder. */
function setEnv(vars: Record<string, string>): void {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, { DATABASE_URL: `sqlite:${join(dataDir, 'auth.sqlite')}` }, vars);
}

function configError(factory: () => unknown): ConfigError {
  try {
    factory();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

function expectOneLineNaming(err: ConfigError, name: string): void {
  expect(err.message).toMatch(new RegExp(`^Invalid configuration: ${name} `));
  expect(err.message).not.toContain('\n');
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'auth-config-'));
});
afterEach(() => {
  for (const key of Object.keys(process.env)) delete process.env[key];
  Object.assign(process.env, saved);
  rmSync(dataDir, { recursive: true, force: true });
});

describe('config namespaces: defaults', () => {
  it('development: HTTP defaults, docs on, cookies not Secure, plain cookie name', () => {
    setEnv({});
    expect(httpConfig()).toEqual({
      production: false,
      port: 3000,
      host: '0.0.0.0',
      adapter: 'express',
      trustProxy: undefined,
      corsOrigins: [],
      docsEnabled: true,
      logLevel: 'info',
    });
    const session = sessionConfig();
    expect(session).toMatchObject({
      idleTimeout: 1800,
      absoluteTimeout: 43_200,
      maxPerUser: 10,
      cookieSecure: false,
      cookieName: 'sid',
    });
    expect(jwtConfig()).toMatchObject({
      algorithm: 'HS256',
      issuer: 'auth-server',
      audience: 'api',
      accessTtl: 900,
      refreshTtl: 1_209_600,
      cookieSecure: false,
      keysDir: undefined,
    });
    expect(abuseConfig()).toEqual({ loginRatePerIp: 30, loginRatePerEmail: 10, maxFailures: 10, lockSeconds: 900 });
    expect(auditConfig()).toEqual({ retentionDays: 90 });
    expect(adminConfig()).toEqual({ email: undefined, password: undefined });
  });

  it('production: docs off, cookies Secure with the __Host- prefix', () => {
    setEnv({ NODE_ENV: 'production', JWT_SECRET: SECRET_A, SESSION_SECRET: SECRET_B });
    expect(httpConfig()).toMatchObject({ production: true, docsEnabled: false });
    expect(sessionConfig()).toMatchObject({ cookieSecure: true, cookieName: '__Host-sid', secrets: [SECRET_B] });
    expect(jwtConfig()).toMatchObject({ cookieSecure: true, secret: SECRET_A });
  });

  it('explicit COOKIE_SECURE and DOCS_ENABLED override the NODE_ENV default both ways', () => {
    setEnv({ COOKIE_SECURE: 'true', DOCS_ENABLED: 'false' });
    expect(sessionConfig()).toMatchObject({ cookieSecure: true, cookieName: '__Host-sid' });
    expect(httpConfig().docsEnabled).toBe(false);
    setEnv({ NODE_ENV: 'production', JWT_SECRET: SECRET_A, SESSION_SECRET: SECRET_A, COOKIE_SECURE: 'false' });
    expect(sessionConfig()).toMatchObject({ cookieSecure: false, cookieName: 'sid' });
    expect(jwtConfig().cookieSecure).toBe(false);
  });

  it('parses CORS_ORIGINS and TRUST_PROXY', () => {
    setEnv({ CORS_ORIGINS: ' https://a.example, https://b.example ,,', TRUST_PROXY: '2' });
    expect(httpConfig()).toMatchObject({ corsOrigins: ['https://a.example', 'https://b.example'], trustProxy: 2 });
    setEnv({ TRUST_PROXY: 'loopback, 10.0.0.0/8' });
    expect(httpConfig().trustProxy).toBe('loopback, 10.0.0.0/8');
    setEnv({ TRUST_PROXY: 'true' });
    expect(httpConfig().trustProxy).toBe(true);
  });

  it('resolves the SQLite path; a postgres URL passes through', () => {
    expect(databaseOptionsFromEnv(parseEnv({ DATABASE_URL: 'sqlite:/tmp/x/auth.sqlite' }))).toEqual({
      kind: 'sqlite',
      url: 'sqlite:/tmp/x/auth.sqlite',
      sqlitePath: '/tmp/x/auth.sqlite',
    });
    expect(databaseOptionsFromEnv(parseEnv({ DATABASE_URL: 'sqlite::memory:' })).sqlitePath).toBe(':memory:');
    expect(databaseOptionsFromEnv(parseEnv({ DATABASE_URL: 'postgres://u@h/db' }))).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h/db',
    });
  });

  it('takes a PostgreSQL schema from ?schema=, off the URL the driver sees, keeping the other parameters', () => {
    expect(
      databaseOptionsFromEnv(parseEnv({ DATABASE_URL: 'postgres://u:p%40ss@h:5432/db?schema=auth_1&sslmode=require' })),
    ).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p%40ss@h:5432/db?sslmode=require',
      schema: 'auth_1',
    });
    // Unquoted in search_path, which folds case: only names that mean the same quoted or not.
    for (const schema of ['Auth', 'a-b', '1abc', 'a;drop', '', 'x'.repeat(64)]) {
      setEnv({ DATABASE_URL: `postgres://u@h/db?schema=${encodeURIComponent(schema)}` });
      expectOneLineNaming(
        configError(() => databaseOptionsFromEnv()),
        'DATABASE_URL',
      );
    }
  });
});

describe('config namespaces: bad values stop start-up naming the variable', () => {
  it.each([
    ['JWT_ALGORITHM', 'HS512'],
    ['PORT', 'abc'],
    ['DATABASE_URL', 'mysql://x'],
    ['SESSION_IDLE_TIMEOUT', '0'],
    ['COOKIE_SECURE', 'maybe'],
  ])('%s=%s', (name, value) => {
    setEnv({ [name]: value });
    // Every namespace validates the whole environment, so whichever loads first stops start-up.
    for (const factory of [httpConfig, jwtConfig, sessionConfig, databaseOptionsFromEnv]) {
      expectOneLineNaming(
        configError(() => factory()),
        name,
      );
    }
  });

  it.each(['JWT_SECRET', 'SESSION_SECRET'] as const)('production without %s fails naming it', (name) => {
    setEnv({ NODE_ENV: 'production', JWT_SECRET: SECRET_A, SESSION_SECRET: SECRET_B });
    delete process.env[name];
    const factory = name === 'JWT_SECRET' ? jwtConfig : sessionConfig;
    const err = configError(() => factory());
    expectOneLineNaming(err, name);
    expect(err.message).toMatch(/required in production/);
    // Nothing was generated in its place.
    expect(() => statSync(join(dataDir, name === 'JWT_SECRET' ? 'jwt-secret' : 'session-secret'))).toThrow();
  });

  it.each([
    ['development', 'JWT_SECRET'],
    ['development', 'SESSION_SECRET'],
    ['production', 'JWT_SECRET'],
    ['production', 'SESSION_SECRET'],
    ['test', 'SESSION_SECRET'],
  ] as const)('a 31-byte %s fails in %s, without echoing it', (mode, name) => {
    setEnv({ NODE_ENV: mode, JWT_SECRET: SECRET_A, SESSION_SECRET: SECRET_B, [name]: SHORT });
    const factory = name === 'JWT_SECRET' ? jwtConfig : sessionConfig;
    const err = configError(() => factory());
    expectOneLineNaming(err, name);
    expect(err.message).toMatch(/at least 32 bytes/);
    expect(err.message).not.toContain(SHORT);
  });

  it('counts a secret in bytes: 16 two-byte characters pass, 15 plus one ASCII character do not', () => {
    setEnv({ JWT_SECRET: 'é'.repeat(16) });
    expect(jwtConfig().secret).toBe('é'.repeat(16));
    setEnv({ JWT_SECRET: `${'é'.repeat(15)}x` });
    expectOneLineNaming(
      configError(() => jwtConfig()),
      'JWT_SECRET',
    );
  });

  it('an asymmetric algorithm needs JWT_KEYS_DIR', () => {
    setEnv({ JWT_ALGORITHM: 'RS256' });
    expectOneLineNaming(
      configError(() => jwtConfig()),
      'JWT_KEYS_DIR',
    );
    setEnv({ JWT_ALGORITHM: 'ES256', JWT_KEYS_DIR: dataDir });
    expect(jwtConfig()).toMatchObject({ algorithm: 'ES256', keysDir: dataDir, secret: undefined });
  });

  it('the absolute session timeout may not be shorter than the idle one', () => {
    setEnv({ SESSION_IDLE_TIMEOUT: '600', SESSION_ABSOLUTE_TIMEOUT: '599' });
    expectOneLineNaming(
      configError(() => sessionConfig()),
      'SESSION_ABSOLUTE_TIMEOUT',
    );
  });

  it('ADMIN_EMAIL and ADMIN_PASSWORD come together', () => {
    setEnv({ ADMIN_EMAIL: 'root@example.com' });
    expectOneLineNaming(
      configError(() => adminConfig()),
      'ADMIN_EMAIL',
    );
    setEnv({ ADMIN_EMAIL: 'root@example.com', ADMIN_PASSWORD: 'a long admin password' });
    expect(adminConfig()).toEqual({ email: 'root@example.com', password: 'a long admin password' });
  });
});

describe('config namespaces: secrets', () => {
  it('outside production, generates each secret once (mode 0600, in the data folder) and re-reads it', () => {
    setEnv({});
    const session = sessionConfig().secrets;
    const jwt = jwtConfig().secret;
    expect(session).toHaveLength(1);
    expect(Buffer.byteLength(session[0]!)).toBeGreaterThanOrEqual(32);
    expect(Buffer.byteLength(jwt!)).toBeGreaterThanOrEqual(32);
    expect(jwt).not.toBe(session[0]);

    for (const [file, value] of [
      ['session-secret', session[0]],
      ['jwt-secret', jwt],
    ] as const) {
      const path = join(dataDir, file);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      expect(readFileSync(path, 'utf8')).toBe(value);
    }

    // A restart reads the same values back: sessions and tokens stay valid.
    const mtime = statSync(join(dataDir, 'session-secret')).mtimeMs;
    expect(sessionConfig().secrets).toEqual(session);
    expect(jwtConfig().secret).toBe(jwt);
    expect(statSync(join(dataDir, 'session-secret')).mtimeMs).toBe(mtime);
  });

  it('uses a secret file that is already there, and refuses one that is too short', () => {
    writeFileSync(join(dataDir, 'jwt-secret'), `${SECRET_B}\n`, { mode: 0o600 });
    setEnv({});
    expect(jwtConfig().secret).toBe(SECRET_B);
    writeFileSync(join(dataDir, 'session-secret'), SHORT, { mode: 0o600 });
    const err = configError(() => sessionConfig());
    expect(err.message).toMatch(/session-secret must be at least 32 bytes/);
    expect(err.message).not.toContain(SHORT);
  });

  it('creates the data folder (mode 0700) of a SQLite file that does not exist yet', () => {
    const nested = join(dataDir, 'new', 'folder');
    setEnv({ DATABASE_URL: `sqlite:${join(nested, 'auth.sqlite')}` });
    const secret = jwtConfig().secret;
    expect(readFileSync(join(nested, 'jwt-secret'), 'utf8')).toBe(secret);
    // Only the owner may list or enter the folder that holds the secrets.
    expect(statSync(nested).mode & 0o777).toBe(0o700);
  });

  it('a configured secret is used as is and nothing is written', () => {
    setEnv({ JWT_SECRET: SECRET_A, SESSION_SECRET: SECRET_B });
    expect(jwtConfig().secret).toBe(SECRET_A);
    expect(sessionConfig().secrets).toEqual([SECRET_B]);
    expect(() => statSync(join(dataDir, 'jwt-secret'))).toThrow();
    expect(() => statSync(join(dataDir, 'session-secret'))).toThrow();
  });

  it('SESSION_SECRET is a comma-separated list: the first signs, all are trimmed, empty items dropped', () => {
    setEnv({ SESSION_SECRET: ` ${SECRET_A} ,${SECRET_B},, ` });
    expect(sessionConfig().secrets).toEqual([SECRET_A, SECRET_B]);
  });

  it('every secret of the list must be strong, not only the first', () => {
    setEnv({ SESSION_SECRET: `${SECRET_A},${SHORT}` });
    expectOneLineNaming(
      configError(() => sessionConfig()),
      'SESSION_SECRET',
    );
  });

  it('the first JWT_SECRET of a list signs', () => {
    setEnv({ JWT_SECRET: `${SECRET_B},${SECRET_A}` });
    expect(jwtConfig().secret).toBe(SECRET_B);
  });
});
