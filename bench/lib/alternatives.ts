/**
 * The alternatives the report sets this server against (bench/peers/): their servers, how the bench
 * signs in on each, and what each guarded case is, checks and runs on. The guard section measures
 * them in its rounds like its own cases; everything particular to them is here.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BETTER_AUTH_COOKIE_CACHE_MAX_AGE_SEC, NEST_RECIPE_USER } from '../peers/common.js';
import { bearer, expectStatus, PASSWORD, send, setCookieLines } from './http.js';
import { packageVersion } from './machine.js';
import { BETTER_AUTH_JS, NEST_RECIPE_JS } from './processes.js';
import type { Alternative, Platform } from './results.js';
import type { Bench, ServerDef } from './servers.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

export interface AlternativeCaseDef {
  id: string;
  platform: Alternative;
  /** The server's configuration (`BenchServers.id(config, platform)`). */
  config: string;
  label: string;
  route: string;
  credential: string;
  framework: string;
  checks: string;
  /** Where its time goes, when a profile of the bench found something a reader would not expect. */
  note?: string;
  packages: string[];
}

const NEST_PACKAGES = [
  '@nestjs/core',
  '@nestjs/platform-express',
  '@nestjs/passport',
  '@nestjs/jwt',
  'passport',
  'passport-jwt',
  'jsonwebtoken',
  'express',
];
const BETTER_AUTH_PACKAGES = ['better-auth', '@better-auth/core', 'kysely', 'better-sqlite3', 'fastify'];
const cacheMinutes = BETTER_AUTH_COOKIE_CACHE_MAX_AGE_SEC / 60;

export const ALTERNATIVE_CASES: readonly AlternativeCaseDef[] = [
  {
    id: 'nest-recipe',
    platform: 'nest-recipe',
    config: '',
    label: 'NestJS docs JWT recipe',
    route: 'GET /profile',
    credential: 'Bearer JWT (HS256)',
    framework: "Express (Nest's default adapter, as the recipe runs it)",
    checks:
      "The JWT's HS256 signature and expiry (passport-jwt), nothing else: no revocation check (a token outlives its logout, a ban or a password change until it expires) and no user read (a deleted or demoted user keeps the token's claims).",
    note: "Much of its time is jsonwebtoken's, not the signature's: jsonwebtoken 9 first tries a string secret as a PEM public key (`crypto.createPublicKey`, which throws) on every verify before using it as an HMAC key, about a quarter of the server's CPU in a profile of this bench; Express under Nest costs several times Fastify's share besides (see Nest alone on each adapter above).",
    packages: NEST_PACKAGES,
  },
  {
    id: 'better-auth',
    platform: 'better-auth',
    config: '',
    label: 'Better Auth getSession, cookie cache off',
    route: 'GET /api/me',
    credential: 'session cookie (better-auth.session_token)',
    framework: 'Fastify (as its Fastify integration page mounts it)',
    checks:
      "The session cookie's HMAC signature, then its session row and the user from SQLite (Kysely over better-sqlite3) on every request: a revoked session or a deleted user is refused at once.",
    note: "In a profile of this bench its time goes to Web Crypto's asynchronous HMAC for the cookie's signature (about a seventh of its CPU), Kysely building each query and better-sqlite3 preparing it anew (about as much), and Better Auth's own request context and output filtering; nothing it was not configured for (no rate limit or telemetry on this route).",
    packages: BETTER_AUTH_PACKAGES,
  },
  {
    id: 'better-auth-cookie-cache',
    platform: 'better-auth',
    config: 'cookie-cache',
    label: 'Better Auth getSession, cookie cache on',
    route: 'GET /api/me',
    credential: 'session cookie + signed session-data cookie (better-auth.session_data)',
    framework: 'Fastify (as its Fastify integration page mounts it)',
    checks: `The session cookie's signature and the signed copy of the session and user in its cache cookie (HMAC-SHA256), trusted until the cache's maxAge with no database read: a revoked session or a deleted user stays accepted that long (default 5 minutes; ${cacheMinutes} minutes here, so that the one cookie the load generator sends stays a cache hit for the whole run).`,
    packages: BETTER_AUTH_PACKAGES,
  },
];

export const alternativeVersions = (c: AlternativeCaseDef): Record<string, string> =>
  Object.fromEntries(c.packages.map((p) => [p, packageVersion(ROOT, p)]));

/** Every alternative's server (one per configuration), started when its cases are measured. */
export function alternativeDefs(sid: (config: string, platform: Platform) => string): ServerDef[] {
  return [...new Set(ALTERNATIVE_CASES.map((c) => `${c.platform}\n${c.config}`))].map((key) => {
    const [platform, config] = key.split('\n') as [Alternative, string];
    return {
      id: sid(config, platform),
      adapter: platform,
      store: 'embedded',
      algorithm: 'HS256',
      ...(platform === 'better-auth' ? { env: { BENCH_BETTER_AUTH_COOKIE_CACHE: config ? '1' : '0' } } : {}),
    };
  });
}

export const alternativeScript = (p: Alternative): string => (p === 'nest-recipe' ? NEST_RECIPE_JS : BETTER_AUTH_JS);

/** An alternative's variables: production mode, as this server's run, its secret and its data. */
export function alternativeEnv(def: ServerDef, dataDir: string): Record<string, string> {
  const secret = randomBytes(48).toString('base64url');
  if (def.adapter === 'nest-recipe') return { NODE_ENV: 'production', BENCH_NEST_RECIPE_SECRET: secret };
  mkdirSync(dataDir, { recursive: true });
  return {
    NODE_ENV: 'production',
    BENCH_BETTER_AUTH_SECRET: secret,
    BENCH_BETTER_AUTH_DATA_DIR: dataDir,
    ...def.env,
  };
}

/**
 * Signs in on an alternative as its documentation does and keeps the headers its guarded route is
 * sent: the recipe's `POST /auth/login` (its hard-coded user) for a Bearer token; Better Auth's
 * email and password sign-up, which creates the user and a session and sets its cookies (the
 * session token, and the cache cookie when the cache is on). Better Auth refuses a POST without an
 * Origin: the sign-up sends its own, as a browser on its site would.
 */
export async function prepareAlternative(b: Bench): Promise<void> {
  const base = b.proc.url;
  if (b.def.adapter === 'nest-recipe') {
    const r = await expectStatus(
      send(base, 'POST', '/auth/login', { json: NEST_RECIPE_USER }),
      201,
      `${b.def.id}: POST /auth/login`,
    );
    b.credential = bearer((JSON.parse(r.body) as { access_token: string }).access_token);
    return;
  }
  const r = await expectStatus(
    send(base, 'POST', '/api/auth/sign-up/email', {
      headers: { origin: base },
      json: { email: `bench-${b.def.id}@example.com`, password: PASSWORD, name: 'Bench' },
    }),
    200,
    `${b.def.id}: POST /api/auth/sign-up/email`,
  );
  const pairs = setCookieLines(r).map((line) => line.split(';')[0]!.trim());
  const cacheOn = b.env.BENCH_BETTER_AUTH_COOKIE_CACHE === '1';
  if (!pairs.some((p) => p.startsWith('better-auth.session_token=')))
    throw new Error(`bench: ${b.def.id}: the sign-up set no session cookie`);
  if (cacheOn !== pairs.some((p) => p.startsWith('better-auth.session_data=')))
    throw new Error(
      `bench: ${b.def.id}: the cookie cache is ${cacheOn ? 'on' : 'off'} but the sign-up's cookies disagree`,
    );
  b.credential = { cookie: pairs.join('; ') };
}
