/**
 * `node dist/bench/micro.js`: the per-call cost of each step of the Bearer path, in-process, with
 * no HTTP around it: the whole JwtAuthGuard (passport, passport-jwt, verification, blacklist), then
 * the verification alone and the blacklist lookup alone, then that lookup as it runs under load,
 * with others queued in the same turn. On a shared machine these figures are far steadier than
 * req/s, which is why they are used to judge a change to the hot path; the HTTP bench (run.ts)
 * then says what the change is worth end to end.
 *
 * Environment: BENCH_REDIS_URL to also measure the Redis blacklist (default redis://127.0.0.1:6379
 * when reachable), MICRO_ITERATIONS (default 20000), HTTP_ADAPTER (the app is built on it as the
 * server would be; the guards read only what both adapters' requests have, so the figures hardly
 * depend on it).
 */
import 'reflect-metadata';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { randomBytes, randomUUID } from 'node:crypto';
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppModule } from '../src/app.module.js';
import { configureApp } from '../src/app.setup.js';
import { APP_OPTIONS, type AuthApp, createHttpAdapter, initApp } from '../src/common/http/platform.js';
import { JwtAuthGuard } from '../src/auth-jwt/jwt-auth.guard.js';
import { SessionAuthGuard } from '../src/auth-session/session-auth.guard.js';
import { AccessTokenSigner, AccessTokenVerifier } from '../src/auth-jwt/tokens/access-token.js';
import { TokenBlacklist } from '../src/token-blacklist/token-blacklist.js';

const ITERATIONS = Number(process.env.MICRO_ITERATIONS ?? 20_000);

/**
 * CPU time per call of `fn` in ns (this process, every thread: a Redis reply's parsing counts, the
 * wait for it does not), after a warm-up of the same length; the best of three runs.
 */
async function time(fn: () => unknown, iterations = ITERATIONS): Promise<number> {
  for (let i = 0; i < iterations; i++) await fn();
  const runs: number[] = [];
  for (let r = 0; r < 3; r++) {
    const before = process.cpuUsage();
    for (let i = 0; i < iterations; i++) await fn();
    const used = process.cpuUsage(before);
    runs.push(((used.user + used.system) * 1000) / iterations);
  }
  return Math.min(...runs);
}

/** Lookups queued in one turn, as requests that arrive together queue theirs under load. */
const TOGETHER = 50;

async function measure(store: 'embedded' | 'redis'): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'auth-micro-'));
  Object.assign(process.env, {
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DOCS_ENABLED: 'false',
    COOKIE_SECURE: 'false',
    JWT_SECRET: randomBytes(48).toString('base64url'),
    SESSION_SECRET: randomBytes(48).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(48).toString('base64url'),
    DATABASE_URL: `sqlite:${join(dir, 'auth.sqlite')}`,
  });
  delete process.env.REDIS_URL;
  if (store === 'redis')
    Object.assign(process.env, {
      REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
      REDIS_KEY_PREFIX: `bench:${randomUUID()}:`,
    });
  const moduleRef = await Test.createTestingModule({ imports: [AppModule] }).compile();
  const app = moduleRef.createNestApplication<AuthApp>(createHttpAdapter(), APP_OPTIONS);
  await configureApp(app);
  await initApp(app);
  try {
    const signed = app
      .get(AccessTokenSigner, { strict: false })
      .sign({ sub: randomUUID(), sid: randomUUID(), roles: ['user'], authTime: Date.now() });
    const verifier = app.get(AccessTokenVerifier, { strict: false });
    const blacklist = app.get(TokenBlacklist, { strict: false });
    const guard = app.get(JwtAuthGuard, { strict: false });
    const claims = verifier.verify(signed.token)!;
    // A fresh, real IncomingMessage per call, as in a server: properties added to one (as passport
    // adds `login`, `logout`, … to every request) cost far more than on a plain object reused.
    const now = Date.now();
    const auth = {
      userId: claims.sub,
      roles: ['user'],
      handle: randomUUID(),
      csrfToken: 'x',
      createdAt: now,
      lastSeenAt: now,
    };
    const context = (kind: 'jwt' | 'session'): ExecutionContextHost => {
      const req = Object.assign(new IncomingMessage(new Socket()), { method: 'GET', url: '/users/me' });
      if (kind === 'jwt') req.headers.authorization = `Bearer ${signed.token}`;
      // A signed-in session as the session middleware has loaded it (the store read is not part of this).
      else Object.assign(req, { session: { auth } });
      const ctx = new ExecutionContextHost([req, {}, () => {}]);
      ctx.setType('http');
      return ctx;
    };
    const sessionGuard = app.get(SessionAuthGuard, { strict: false });
    for (const [kind, g] of [
      ['jwt', guard],
      ['session', sessionGuard],
    ] as const) {
      const ctx = context(kind);
      if (!(await g.canActivate(ctx)) || !ctx.switchToHttp().getRequest<{ user?: unknown }>().user)
        throw new Error(`micro: the ${kind} guard refused a valid credential`);
    }
    const making = await time(() => context('jwt'));
    const ref = { jti: claims.jti, sid: claims.sid, sub: claims.sub, issuedAtMs: claims.issuedAtMs };
    const together = () => Promise.all(Array.from({ length: TOGETHER }, () => blacklist.isRevoked(ref)));
    return {
      'SessionAuthGuard.canActivate (session loaded)':
        (await time(() => sessionGuard.canActivate(context('session')))) - making,
      'JwtAuthGuard.canActivate (all of it)': (await time(() => guard.canActivate(context('jwt')))) - making,
      'AccessTokenVerifier.verify': await time(() => verifier.verify(signed.token)),
      'TokenBlacklist.isRevoked': await time(() => blacklist.isRevoked(ref)),
      // On the embedded store these share one SQLite read transaction (src/database/statements.ts).
      [`TokenBlacklist.isRevoked, ${TOGETHER} in one turn, per call`]:
        (await time(together, Math.ceil(ITERATIONS / TOGETHER))) / TOGETHER,
    };
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const store of ['embedded', 'redis'] as const) {
  try {
    const figures = await measure(store);
    console.log(
      `${store} store, HS256, ${process.env.HTTP_ADAPTER ?? 'default'} adapter (CPU per call, ${ITERATIONS} calls, best of 3):`,
    );
    for (const [what, ns] of Object.entries(figures))
      console.log(`  ${what.padEnd(52)} ${(ns / 1000).toFixed(1).padStart(7)} µs`);
    const [, all, verify, revoked] = Object.values(figures) as [number, number, number, number];
    console.log(
      `  ${'JWT: passport and Nest plumbing (the rest)'.padEnd(52)} ${((all - verify - revoked) / 1000).toFixed(1).padStart(7)} µs`,
    );
    // One call at a time, each Redis reply wakes the process up: under load replies share wake-ups.
    if (store === 'redis') console.log('  (Redis: one round trip at a time, so the rest includes a wake-up per reply)');
  } catch (err) {
    console.log(`${store} store: not measured (${err instanceof Error ? err.message : String(err)})`);
  }
}
process.exit(0);
