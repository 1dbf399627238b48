/* global process */
/**
 * Nest 12 ships ES modules only, and Jest loads those only in its native ESM mode, so the suite
 * runs with `--experimental-vm-modules` and ts-jest in ESM mode (see the package.json scripts).
 */
const base = {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    // @fastify/static (Swagger UI's files on Fastify) requires content-disposition 3, which is ESM
    // only: Node 20.19 loads it (require(esm)), Jest's module sandbox only from Node 24.9. The
    // CommonJS build of version 2, installed for Express, has the same API (`create`, `parse`).
    '^content-disposition$': '<rootDir>/node_modules/content-disposition/dist/index.js',
  },
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
};

// The PostgreSQL server the e2e-postgres and cluster projects (and the schema check) create their
// schemas and databases on; `.ci/run` makes sure it runs. Workers inherit the environment.
process.env.TEST_POSTGRES_URL ??= 'postgres://postgres@127.0.0.1:5432/test';
// The six-node Redis Cluster (three masters, three replicas) `.ci/run` starts: the Redis store
// contracts, the e2e files on Redis and the multi-instance suite also run on it.
process.env.TEST_REDIS_CLUSTER_URL ??= 'redis+cluster://127.0.0.1:7000,127.0.0.1:7001,127.0.0.1:7002';

const e2e = { ...base, testMatch: ['<rootDir>/test/**/*.e2e-spec.ts'] };
const CLUSTER = '<rootDir>/test/cluster/';

/** @type {import('jest').Config} */
export default {
  // A project's own testTimeout is ignored by Jest; the default of 5 s is too short for e2e.
  testTimeout: 30000,
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/src/**/*.spec.ts'] },
    // Every e2e file, the attack suite included, once per HTTP adapter (test/support/test-app.ts
    // reads the global).
    {
      ...e2e,
      displayName: 'e2e',
      globals: { E2E_HTTP_ADAPTER: 'express' },
      testPathIgnorePatterns: ['/node_modules/', CLUSTER],
    },
    {
      ...e2e,
      displayName: 'e2e-fastify',
      globals: { E2E_HTTP_ADAPTER: 'fastify' },
      testPathIgnorePatterns: ['/node_modules/', CLUSTER],
    },
    // The same specs once more on PostgreSQL, each app on a fresh schema of the PostgreSQL server
    // (test/support/test-app.ts reads both globals), on the default adapter only: the adapter and
    // the database meet nowhere (HTTP edges on one side, the repositories on the other), so each
    // adapter is proven on SQLite and each database on Fastify, and Express on PostgreSQL still
    // serves the `cluster` project's built servers.
    {
      ...e2e,
      displayName: 'e2e-postgres',
      globals: { E2E_DATABASE: 'postgres', E2E_HTTP_ADAPTER: 'fastify' },
      testPathIgnorePatterns: [
        '/node_modules/',
        CLUSTER,
        // SQLite only: it runs the built server as an operator does with no configuration, on its
        // SQLite file, and checks what lives in that file's folder (generated secrets, the WAL
        // folded back at SIGTERM). The cluster specs run the built server on PostgreSQL.
        '<rootDir>/test/foundation/process.e2e-spec.ts',
        // Runs on both drivers itself (a database of its own on TEST_POSTGRES_URL).
        '<rootDir>/test/foundation/schema.e2e-spec.ts',
        // Chromium drives the HTTP surface (Swagger UI, the OpenAPI document, passkeys): the adapter
        // changes what it sees, the database does not, and these are the slowest files of the suite.
        '<rootDir>/test/browser/',
      ],
    },
    // The e2e files that run on each store (`STORES` in test/support/http.ts), on the Redis Cluster:
    // sessions, the blacklist, cut-offs, rate limits and lockout through the cluster client. Once,
    // on Express and SQLite: the adapter and the database do not change what is sent to Redis.
    {
      ...e2e,
      displayName: 'e2e-redis-cluster',
      globals: { E2E_HTTP_ADAPTER: 'express', E2E_REDIS: 'cluster' },
      testMatch: ['admin', 'auth-jwt', 'auth-session', 'security/abuse'].map((f) => `<rootDir>/test/${f}.e2e-spec.ts`),
    },
    // Several built servers (`dist/`, made by `pretest`) on one Redis and one PostgreSQL, once per
    // HTTP adapter.
    ...['express', 'fastify'].map((adapter) => ({
      ...base,
      displayName: adapter === 'express' ? 'cluster' : 'cluster-fastify',
      globals: { E2E_HTTP_ADAPTER: adapter },
      testMatch: ['<rootDir>/test/cluster/**/*.e2e-spec.ts'],
      // Sets each instance's adapter itself: once is enough. The failover spec runs on the Redis
      // Cluster only (below).
      testPathIgnorePatterns: ['/node_modules/', 'failover', ...(adapter === 'express' ? [] : ['mixed-adapters'])],
    })),
    // The multi-instance suite on the Redis Cluster, and a master killed mid-run (on a cluster of
    // the test's own: the shared one serves other files meanwhile).
    {
      ...base,
      displayName: 'cluster-redis-cluster',
      globals: { E2E_HTTP_ADAPTER: 'express', E2E_REDIS: 'cluster' },
      testMatch: ['instances', 'failover'].map((f) => `<rootDir>/test/cluster/${f}.e2e-spec.ts`),
    },
  ],
};
