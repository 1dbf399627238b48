/**
 * The floor of the framework: NestJS alone on one HTTP adapter (`BENCH_BARE_ADAPTER`: fastify or
 * express), one controller answering `GET /users/me` with the fixed body of raw-http.ts
 * (lib/fixed-body.ts), and nothing else: no AppModule, no guard, pipe, filter, hook or middleware,
 * no database. Between raw node:http and an adapter's baseline app, it splits what the framework
 * costs a request from what the app does on it. Started and measured by `run.ts` like the other
 * servers, over the same IPC channel (lib/ipc.ts); it imports nothing of the app but two constant
 * lists of its answer headers (http-edges.ts, which imports nothing).
 *
 * A second route answers the same body with the headers the app puts on every answer of
 * `GET /users/me` beyond what Nest sends (`X-Request-Id`, the API's security headers, no-store):
 * what those headers cost on their own tells the public route's figure apart from what no app
 * code can take back. They are set as the app sets them: on Fastify in one `onRequest` hook on
 * the reply, on Express in one middleware on the response; the hook and the middleware are this
 * route's alone, so the first route runs without them.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { randomUUID } from 'node:crypto';
import type { onRequestHookHandler } from 'fastify';
import type { ServerResponse } from 'node:http';
import { API_SECURITY_HEADERS, NO_STORE_HEADERS } from '../src/common/http/http-edges.js';
import { FIXED_USER_VIEW } from './lib/fixed-body.js';
import { failedToStart, serveOrchestrator } from './lib/ipc.js';

/** The app's security headers and no-store pair as entries, made once: the route below sets them on every answer. */
const API_HEADERS = [...API_SECURITY_HEADERS, ...Object.entries(NO_STORE_HEADERS)];
/** The same, lower-cased as Fastify keys its reply headers (fastify-edges.ts sets them so). */
const REPLY_API_HEADERS = API_HEADERS.map(([name, value]) => [name.toLowerCase(), value] as const);

@Controller('users')
class FixedUserController {
  // An object, as any Nest route returns one: the adapter serialises it on every request (the
  // same bytes as raw-http.ts's body, which node:http writes ready-made).
  @Get('me')
  me(): typeof FIXED_USER_VIEW {
    return FIXED_USER_VIEW;
  }

  // Its headers come from the hook or the middleware `withApiHeaders` gives it.
  @Get('me/with-api-headers')
  meWithApiHeaders(): typeof FIXED_USER_VIEW {
    return FIXED_USER_VIEW;
  }
}

const WITH_API_HEADERS = '/users/me/with-api-headers';

/** The second route's headers: a Fastify hook of that route alone, or an Express middleware mounted on its path. */
function withApiHeaders(app: NestFastifyApplication | NestExpressApplication, kind: 'fastify' | 'express'): void {
  if (kind === 'fastify') {
    const setHeaders: onRequestHookHandler = (_req, reply, done) => {
      void reply.header('x-request-id', randomUUID());
      for (const [name, value] of REPLY_API_HEADERS) void reply.header(name, value);
      done();
    };
    // Before the routes exist (listen() registers them): a route-level hook, which the other route never runs.
    (app as NestFastifyApplication)
      .getHttpAdapter()
      .getInstance()
      .addHook('onRoute', (route) => {
        if (route.url === WITH_API_HEADERS) route.onRequest = setHeaders;
      });
  } else {
    (app as NestExpressApplication).use(WITH_API_HEADERS, (_req: unknown, res: ServerResponse, next: () => void) => {
      res.setHeader('X-Request-Id', randomUUID());
      for (const [name, value] of API_HEADERS) res.setHeader(name, value);
      next();
    });
  }
}

@Module({ controllers: [FixedUserController] })
class BareModule {}

async function main(): Promise<void> {
  const kind = process.env.BENCH_BARE_ADAPTER;
  if (kind !== 'fastify' && kind !== 'express') throw new Error(`BENCH_BARE_ADAPTER must be fastify or express`);
  // Each adapter as Nest builds it, loggers off. No body parser: a GET needs none, and the app's
  // own (configureApp) is part of what the app adds.
  const adapter = kind === 'fastify' ? new FastifyAdapter({ logger: false }) : new ExpressAdapter();
  const app = await NestFactory.create<NestFastifyApplication | NestExpressApplication>(BareModule, adapter, {
    logger: false,
    bodyParser: false,
  });
  withApiHeaders(app, kind);
  // listen() also readies Fastify.
  await app.listen(Number(process.env.PORT ?? 0), '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  // Started by bench/callgrind.sh rather than by run.ts: no channel, and no event-loop histogram
  // whose timer would be counted with the requests.
  if (!process.send) console.log(`listening on ${address.port}`);
  else serveOrchestrator({ port: address.port, close: () => app.close() });
}

main().catch((err: unknown) => failedToStart('bare Nest server', err));
