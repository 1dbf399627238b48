import type { ConfigType } from '@nestjs/config';
import type { NextFunction, Request, Response } from 'express';
import type { FastifyRequest } from 'fastify';
import { performance } from 'node:perf_hooks';
import { Logger } from 'nestjs-pino';
import type { Logger as PinoLogger } from 'pino';
import { configureSessions } from './auth-session/session-transport.js';
import { writeAnswersAfterReads } from './common/http/answer-turns.js';
import { configureExpressEdges } from './common/http/express-edges.js';
import { configureFastifyEdges, passFastifyEdges } from './common/http/fastify-edges.js';
import { type AuthApp, isFastify, setFirstRequestHook } from './common/http/platform.js';
import {
  logCompleted,
  REQUEST_ID_HEADER,
  requestIdOf,
  ROOT_LOGGER,
  runInRequestContext,
} from './common/logging.module.js';
import { httpConfig, sessionConfig } from './config/config.js';
import { setupSwagger } from './docs/swagger.js';
import { instrumentHttp } from './metrics/http-metrics.js';

/**
 * What must be set on the application object itself, in this order, on either adapter. Called by
 * `main.ts`, the tests' `createTestApp()` and the bench, so all three serve the same app. The app
 * must be created from `createHttpAdapter()` with `APP_OPTIONS` (platform.ts), and configured
 * before it is initialised: Fastify plugins must be registered before the app starts.
 */
export async function configureApp(app: AuthApp): Promise<void> {
  const http = app.get<ConfigType<typeof httpConfig>>(httpConfig.KEY);
  const session = app.get<ConfigType<typeof sessionConfig>>(sessionConfig.KEY);
  app.useLogger(app.get(Logger));
  // First of all: every request gets its id, its log context and its access line, even one refused
  // below.
  const root = app.get<PinoLogger>(ROOT_LOGGER);
  let requestRead = (_req: FastifyRequest): void => undefined;
  if (isFastify(app)) {
    // Fastify named the request (platform.ts, `genReqId`) and times it (`reply.elapsedTime`). The
    // edges (headers, JSON only, no-store) run in the same hook, in its log context.
    setFirstRequestHook(app, (req, reply, done) => {
      requestRead(req);
      void reply.header(REQUEST_ID_HEADER, req.id);
      runInRequestContext(req.id, () => {
        if (passFastifyEdges(req, reply)) done();
      });
    });
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onResponse', (req, reply, done) => {
        logCompleted(root, req, reply.statusCode, reply.elapsedTime);
        done();
      });
    instrumentHttp(app);
    configureFastifyEdges(app);
  } else {
    app.use((req: Request, res: Response, next: NextFunction) => {
      const id = requestIdOf(req);
      res.setHeader(REQUEST_ID_HEADER, id);
      const started = performance.now();
      const url = req.originalUrl;
      // Once: when the answer is sent, or when the client went away before.
      let logged = false;
      const completed = (): void => {
        if (logged) return;
        logged = true;
        logCompleted(root, { id, method: req.method, url }, res.statusCode, performance.now() - started);
      };
      res.once('finish', completed);
      res.once('close', completed);
      runInRequestContext(id, next);
    });
    instrumentHttp(app);
    configureExpressEdges(app);
  }
  await configureSessions(app);
  // Last of the answer hooks, so that it holds back only the write.
  if (isFastify(app)) requestRead = writeAnswersAfterReads(app.getHttpAdapter().getInstance());
  if (http.corsOrigins.length > 0) {
    app.enableCors({
      origin: http.corsOrigins,
      credentials: true,
      allowedHeaders: ['Content-Type', 'Authorization', 'X-CSRF-Token', 'X-Request-Id', 'DPoP'],
      exposedHeaders: ['Retry-After', 'X-Request-Id', 'WWW-Authenticate', 'DPoP-Nonce'],
      maxAge: 600,
    });
  }
  if (http.docsEnabled) setupSwagger(app, session.cookieName);
}
