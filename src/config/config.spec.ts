import { createHmac, KeyObject } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  abuseConfig,
  accountConfig,
  adminConfig,
  auditConfig,
  databaseOptionsFromEnv,
  dpopConfig,
  httpConfig,
  introspectionConfig,
  jwtConfig,
  redisConfig,
  metricsConfig,
  mfaConfig,
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
      adapter: 'fastify',
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
    expect(abuseConfig()).toEqual({
      loginRatePerIp: 30,
      loginRatePerEmail: 10,
      maxFailures: 10,
      lockSeconds: 900,
      registerRatePerIp: 10,
    });
    expect(auditConfig()).toEqual({ retentionDays: 90, pseudonymKey: expect.any(KeyObject) });
    expect(adminConfig()).toEqual({ email: undefined, password: undefined });
    expect(accountConfig()).toEqual({
      appUrl: 'http://localhost:3000',
      smtpUrl: undefined,
      mailFrom: 'no-reply@localhost',
      outboxDir: join(dataDir, 'outbox'),
      passwordResetTtl: 1800,
      emailVerifyTtl: 86_400,
      requireEmailVerification: false,
      reauthMaxAge: 900,
    });
  });

  it('APP_URL defaults to localhost on PORT, and loses a trailing slash', () => {
    setEnv({ PORT: '8081' });
    expect(accountConfig().appUrl).toBe('http://localhost:8081');
    setEnv({ APP_URL: 'https://auth.example.com/' });
    expect(accountConfig().appUrl).toBe('https://auth.example.com');
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

  it('AUDIT_SECRET keys the audit pseudonyms; unset, the key is derived from the signing SESSION_SECRET', () => {
    const mac = (key: KeyObject): string => createHmac('sha256', key).update('x@example.com').digest('base64url');
    setEnv({ SESSION_SECRET: `${SECRET_A},${SECRET_B}` });
    const derived = auditConfig().pseudonymKey;
    expect(derived.symmetricKeySize).toBe(32);
    // Not the session secret itself, and the same on every instance sharing it.
    expect(derived.export().toString()).not.toBe(SECRET_A);
    expect(mac(auditConfig().pseudonymKey)).toBe(mac(derived));
    setEnv({ SESSION_SECRET: SECRET_B });
    expect(mac(auditConfig().pseudonymKey)).not.toBe(mac(derived));
    setEnv({ SESSION_SECRET: SECRET_A, AUDIT_SECRET: SECRET_B });
    expect(auditConfig().pseudonymKey.export().toString()).toBe(SECRET_B);
    // Production needs no AUDIT_SECRET of its own.
    setEnv({ NODE_ENV: 'production', SESSION_SECRET: SECRET_A });
    expect(mac(auditConfig().pseudonymKey)).toBe(mac(derived));
  });

  it('a 31-byte AUDIT_SECRET fails, without echoing it', () => {
    setEnv({ AUDIT_SECRET: SHORT });
    const err = configError(() => auditConfig());
    expectOneLineNaming(err, 'AUDIT_SECRET');
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

  it('metrics: off unless METRICS_PORT is set; never on the public port', () => {
    setEnv({});
    expect(metricsConfig()).toEqual({ port: undefined, host: '0.0.0.0' });
    setEnv({ METRICS_PORT: '9464', HOST: '10.0.0.5' });
    expect(metricsConfig()).toEqual({ port: 9464, host: '10.0.0.5' });
    setEnv({ PORT: '0', METRICS_PORT: '0' });
    expect(metricsConfig().port).toBe(0);
    setEnv({ PORT: '8080', METRICS_PORT: '8080' });
    const err = configError(() => metricsConfig());
    expectOneLineNaming(err, 'METRICS_PORT');
    expect(err.message).toMatch(/must differ from PORT/);
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

describe('config namespaces: DPoP and introspection', () => {
  it('DPoP: off by default, APP_URL defaults to localhost on PORT and loses a trailing slash', () => {
    setEnv({ PORT: '8081', SESSION_SECRET: SECRET_A });
    const d = dpopConfig();
    expect(d).toMatchObject({ appUrl: 'http://localhost:8081', required: false, nonce: false });
    setEnv({
      APP_URL: 'https://auth.example.com/',
      DPOP_REQUIRED: 'true',
      DPOP_NONCE: 'true',
      SESSION_SECRET: SECRET_A,
    });
    expect(dpopConfig()).toMatchObject({ appUrl: 'https://auth.example.com', required: true, nonce: true });
  });

  it('the nonce key is shared by instances with the same SESSION_SECRET, differs per secret, and is not the secret', () => {
    setEnv({ SESSION_SECRET: `${SECRET_A},${SECRET_B}` });
    const one = dpopConfig().nonceKey;
    const two = dpopConfig().nonceKey;
    expect(one.equals(two)).toBe(true);
    expect(one.toString('utf8')).not.toContain(SECRET_A);
    setEnv({ SESSION_SECRET: SECRET_B });
    expect(dpopConfig().nonceKey.equals(one)).toBe(false);
  });

  it('the nonce key needs the session secret in production, like the session itself', () => {
    setEnv({ NODE_ENV: 'production', JWT_SECRET: SECRET_A });
    expectOneLineNaming(configError(dpopConfig), 'SESSION_SECRET');
  });

  it('INTROSPECTION_CLIENTS: unset means none; id:secret pairs, a secret may hold a colon', () => {
    setEnv({});
    expect(introspectionConfig().clients.size).toBe(0);
    setEnv({ INTROSPECTION_CLIENTS: ' orders:0123456789abcdef , billing-2:secret:with:colons!' });
    expect([...introspectionConfig().clients]).toEqual([
      ['orders', '0123456789abcdef'],
      ['billing-2', 'secret:with:colons!'],
    ]);
  });

  it.each([
    ['orders', /id:secret/],
    [':0123456789abcdef', /id:secret/],
    ['or ders:0123456789abcdef', /id:secret/],
    ['orders:0123456789abcde', /at least 16/],
    ['orders:0123456789abcdef,orders:fedcba9876543210', /twice/],
  ])('INTROSPECTION_CLIENTS=%s stops start-up, without echoing a secret', (value, why) => {
    setEnv({ INTROSPECTION_CLIENTS: value });
    const err = configError(introspectionConfig);
    expectOneLineNaming(err, 'INTROSPECTION_CLIENTS');
    expect(err.message).toMatch(why);
    expect(err.message).not.toContain('0123456789abcde');
  });
});

describe('config namespaces: Redis', () => {
  it('is off without REDIS_URL, and one server with redis:// or rediss://, waiting for no replica', () => {
    setEnv({});
    expect(redisConfig()).toEqual({ url: undefined, target: undefined, keyPrefix: 'auth:', waitReplicas: 0 });
    for (const url of ['redis://127.0.0.1:6379', 'rediss://u:p@redis.internal:6380/2']) {
      setEnv({ REDIS_URL: url, REDIS_KEY_PREFIX: 'x:' });
      expect(redisConfig()).toEqual({ url, target: { kind: 'single', url }, keyPrefix: 'x:', waitReplicas: 0 });
    }
  });

  it('parses redis+cluster:// seed nodes (names, IPv4, IPv6, spaces around commas) and waits for one replica by default', () => {
    setEnv({ REDIS_URL: 'redis+cluster://127.0.0.1:7000, cache-1.internal:7001,[::1]:7002/' });
    expect(redisConfig()).toMatchObject({
      target: {
        kind: 'cluster',
        tls: false,
        rootNodes: [
          { host: '127.0.0.1', port: 7000 },
          { host: 'cache-1.internal', port: 7001 },
          { host: '::1', port: 7002 },
        ],
      },
      waitReplicas: 1,
    });
  });

  it('takes TLS and percent-encoded credentials, and REDIS_WAIT_REPLICAS overrides the default', () => {
    setEnv({ REDIS_URL: 'rediss+cluster://auth:p%40ss%3Aw@10.0.0.5:6379', REDIS_WAIT_REPLICAS: '0' });
    expect(redisConfig()).toMatchObject({
      target: {
        kind: 'cluster',
        tls: true,
        username: 'auth',
        password: 'p@ss:w',
        rootNodes: [{ host: '10.0.0.5', port: 6379 }],
      },
      waitReplicas: 0,
    });
    setEnv({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_WAIT_REPLICAS: '2' });
    expect(redisConfig().waitReplicas).toBe(2);
  });

  it.each([
    ['REDIS_URL', 'redis+cluster://'],
    ['REDIS_URL', 'redis+cluster://127.0.0.1'],
    ['REDIS_URL', 'redis+cluster://127.0.0.1:7000,'],
    ['REDIS_URL', 'redis+cluster://127.0.0.1:0'],
    ['REDIS_URL', 'redis+cluster://127.0.0.1:70000'],
    ['REDIS_URL', 'redis+cluster://127.0.0.1:7000/0'],
    ['REDIS_URL', 'redis+cluster://127.0.0.1:7000?tls=1'],
    ['REDIS_URL', 'redis+cluster://h_1:7000'],
    ['REDIS_URL', 'redis+cluster://u:%zz@127.0.0.1:7000'],
    ['REDIS_URL', 'cluster://127.0.0.1:7000'],
    ['REDIS_WAIT_REPLICAS', '-1'],
    ['REDIS_WAIT_REPLICAS', '6'],
    ['REDIS_WAIT_REPLICAS', 'one'],
  ])('refuses %s=%s in one line naming it', (name, value) => {
    setEnv({ REDIS_URL: 'redis+cluster://127.0.0.1:7000', [name]: value });
    const err = configError(() => redisConfig());
    expectOneLineNaming(err, name);
  });

  it('never echoes a cluster URL, which may carry a password', () => {
    setEnv({ REDIS_URL: 'redis+cluster://auth:hunter2-secret@127.0.0.1:7000/x' });
    expect(configError(() => redisConfig()).message).not.toContain('hunter2-secret');
  });
});

describe('mfa config', () => {
  it('defaults: the origin and RP id from PORT, a generated key kept in the data folder', () => {
    setEnv({ PORT: '4000' });
    const first = mfaConfig();
    expect(first).toMatchObject({ origin: 'http://localhost:4000', rpId: 'localhost', rpName: 'Auth server' });
    expect(first.encryptionKeys).toHaveLength(1);
    expect(readFileSync(join(dataDir, 'mfa-encryption-key'), 'utf8').trim()).toBe(first.encryptionKeys[0]);
    expect(statSync(join(dataDir, 'mfa-encryption-key')).mode & 0o777).toBe(0o600);
    expect(mfaConfig().encryptionKeys).toEqual(first.encryptionKeys);
  });

  it('APP_URL gives the origin (no trailing slash) and the RP id; a parent domain is accepted', () => {
    setEnv({ APP_URL: 'https://auth.example.com/', MFA_ENCRYPTION_KEY: `${SECRET_A},${SECRET_B}` });
    expect(mfaConfig()).toMatchObject({
      origin: 'https://auth.example.com',
      rpId: 'auth.example.com',
      encryptionKeys: [SECRET_A, SECRET_B],
    });
    setEnv({ APP_URL: 'https://auth.example.com', WEBAUTHN_RP_ID: 'example.com', WEBAUTHN_RP_NAME: 'Example' });
    expect(mfaConfig()).toMatchObject({ rpId: 'example.com', rpName: 'Example' });
  });

  it.each([
    [{ APP_URL: 'https://auth.example.com', WEBAUTHN_RP_ID: 'other.com' }, 'WEBAUTHN_RP_ID'],
    [{ APP_URL: 'https://auth.example.com', WEBAUTHN_RP_ID: 'ample.com' }, 'WEBAUTHN_RP_ID'],
    [{ APP_URL: 'https://auth.example.com/path' }, 'APP_URL'],
    [{ APP_URL: 'ftp://x' }, 'APP_URL'],
    [{ MFA_ENCRYPTION_KEY: SHORT }, 'MFA_ENCRYPTION_KEY'],
  ])('%j is refused naming %s', (vars, name) => {
    setEnv(vars);
    expectOneLineNaming(
      configError(() => mfaConfig()),
      name,
    );
  });

  it('production without MFA_ENCRYPTION_KEY fails naming it', () => {
    setEnv({ NODE_ENV: 'production', JWT_SECRET: SECRET_A, SESSION_SECRET: SECRET_B });
    const err = configError(() => mfaConfig());
    expectOneLineNaming(err, 'MFA_ENCRYPTION_KEY');
    expect(err.message).toMatch(/required in production/);
  });
});
