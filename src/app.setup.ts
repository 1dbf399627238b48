import type { ConfigType } from '@nestjs/config';
import { Logger } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { configureSessions } from './auth-session/session-transport.js';
import { configureExpressEdges } from './common/http/express-edges.js';
import { configureFastifyEdges } from './common/http/fastify-edges.js';
import { type AuthApp, isFastify, setFirstRequestHook } from './common/http/platform.js';
import { REQUEST_ID_HEADER, REQUEST_LOGGER } from './common/logging.module.js';
import { httpConfig, sessionConfig } from './config/config.js';
import { setupSwagger } from './docs/swagger.js';

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
  // First of all: every request gets its id and its log line, even one refused below.
  const requestLogger = app.get<HttpLogger>(REQUEST_LOGGER);
  if (isFastify(app)) {
    // First, before Nest middleware (@fastify/middie): nestjs-pino's middleware binds `req.raw.log`
    // as the logger of every line logged inside the request, and middie sets that to Fastify's
    // `request.log` (a no-op: Fastify's own logger is off). So Fastify's request gets pino-http's
    // request logger before middie runs; otherwise those lines would be dropped.
    setFirstRequestHook(app, (req, reply, done) => {
      // Fastify named the request (platform.ts): pino-http logs that id, and the client gets it.
      (req.raw as { id?: unknown }).id = req.id;
      reply.raw.setHeader(REQUEST_ID_HEADER, req.id);
      requestLogger(req.raw, reply.raw, () => {
        req.log = req.raw.log;
        done();
      });
    });
    configureFastifyEdges(app);
  } else {
    app.use(requestLogger);
    configureExpressEdges(app);
  }
  await configureSessions(app);
  if (http.corsOrigins.length > 0) {
    app.enableCors({
      origin: http.corsOrigins,
      credentials: true,
      allowedHeaders: ['Content-Type', 'Authorization', 'X-CSRF-Token', 'X-Request-Id'],
      exposedHeaders: ['Retry-After', 'X-Request-Id', 'WWW-Authenticate'],
      maxAge: 600,
    });
  }
  if (http.docsEnabled) setupSwagger(app, session.cookieName);
}
