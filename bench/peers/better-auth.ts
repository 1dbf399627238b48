/**
 * The second alternative in the report: Better Auth's session check (`auth.api.getSession`), from
 * its npm package, on SQLite through better-sqlite3 as its SQLite adapter page shows
 * (`database: new Database(file)`), with email and password sign-up on. Served by Fastify, the
 * framework of this server's default adapter, as Better Auth's Fastify integration page mounts it
 * (a catch-all `/api/auth/*` route turning the request into a Fetch `Request` for `auth.handler`),
 * and a guarded route, `GET /api/me`, that calls `auth.api.getSession({ headers })` with the
 * request's headers through `fromNodeHeaders` (its Express page's example of getting the session,
 * which needs nothing of Express) and answers the session and its user, or 401 without one.
 *
 * `BENCH_BETTER_AUTH_COOKIE_CACHE=1` turns `session.cookieCache` on: getSession then trusts a
 * signed cookie holding the session and user (HMAC-SHA256, its default "compact" strategy) until
 * the cookie's maxAge, and reads the database only after. Off, it reads the session row and its
 * user on every request.
 *
 * What differs from the documentation, for the bench only: the tables are created at start by
 * `getMigrations(options).runMigrations()` (better-auth/db/migration: the planner the documented
 * `npx @better-auth/cli migrate` runs); the cookie cache lives an hour rather than its default five
 * minutes, so that the one cookie the load generator sends stays a cache hit for the whole run
 * (past maxAge every request would read the database and set a new cookie the load generator
 * ignores); Fastify's logger is off (the page turns it on: a line per request, which no other
 * server of the guard section writes); and it answers the orchestrator's IPC channel (lib/ipc.ts)
 * like every bench server. It imports nothing of the app.
 */
import { join } from 'node:path';
import { betterAuth } from 'better-auth';
import { getMigrations } from 'better-auth/db/migration';
import { fromNodeHeaders } from 'better-auth/node';
import Database from 'better-sqlite3';
import Fastify from 'fastify';
import { failedToStart, serveOrchestrator } from '../lib/ipc.js';
import { BETTER_AUTH_COOKIE_CACHE_MAX_AGE_SEC } from './common.js';

function options(baseURL: string) {
  const dataDir = process.env.BENCH_BETTER_AUTH_DATA_DIR;
  const secret = process.env.BENCH_BETTER_AUTH_SECRET;
  if (!dataDir || !secret) throw new Error('BENCH_BETTER_AUTH_DATA_DIR and BENCH_BETTER_AUTH_SECRET must be set');
  const cookieCache = process.env.BENCH_BETTER_AUTH_COOKIE_CACHE === '1';
  return {
    baseURL,
    secret,
    database: new Database(join(dataDir, 'better-auth.sqlite')),
    emailAndPassword: { enabled: true },
    session: { cookieCache: { enabled: cookieCache, maxAge: BETTER_AUTH_COOKIE_CACHE_MAX_AGE_SEC } },
  };
}

async function main(): Promise<void> {
  const app = Fastify({ logger: false });
  // Fastify takes no route once listening, and Better Auth wants its base URL, which holds the
  // port the system picks on listen: the routes reach the instance built right after.
  // eslint-disable-next-line prefer-const -- assigned once listening, after the routes that read it
  let auth: ReturnType<typeof betterAuth<ReturnType<typeof options>>> | undefined;

  // The integration page's handler, as it is.
  app.route({
    method: ['GET', 'POST'],
    url: '/api/auth/*',
    async handler(request, reply) {
      const url = new URL(request.url, `http://${request.headers.host}`);
      const headers = new Headers();
      Object.entries(request.headers).forEach(([key, value]) => {
        if (value) headers.append(key, value.toString());
      });
      const req = new Request(url.toString(), {
        method: request.method,
        headers,
        body: request.body ? JSON.stringify(request.body) : undefined,
      });
      const response = await auth!.handler(req);
      reply.status(response.status);
      response.headers.forEach((value, key) => {
        reply.header(key, value);
      });
      return reply.send(response.body ? await response.text() : null);
    },
  });

  app.get('/api/me', async (request, reply) => {
    const session = await auth!.api.getSession({ headers: fromNodeHeaders(request.headers) });
    if (!session) return reply.status(401).send({ statusCode: 401, message: 'Unauthorized' });
    return session;
  });

  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const opts = options(`http://127.0.0.1:${port}`);
  await (await getMigrations(opts)).runMigrations();
  auth = betterAuth(opts);
  serveOrchestrator({
    port,
    close: async () => {
      await app.close();
      opts.database.close();
    },
  });
}

main().catch((err: unknown) => failedToStart('Better Auth server', err));
