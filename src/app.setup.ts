import type { ConfigType } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import type { HttpLogger } from 'pino-http';
import { noStoreForPrivateRoutes, requireJsonBodies } from './common/http/http-edges.js';
import { REQUEST_LOGGER } from './common/logging.module.js';
import { httpConfig, sessionConfig } from './config/config.js';
import { setupSwagger } from './docs/swagger.js';

export const BODY_LIMIT = '100kb';

const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

/** JSON.parse reviver: prototype pollution never starts (CWE-1321); body-parser answers its SyntaxError with a 400. */
function refusePrototypeKeys(key: string, value: unknown): unknown {
  if (FORBIDDEN_KEYS.has(key)) throw new SyntaxError('Forbidden key in JSON body');
  return value;
}

/**
 * The HTTP edges that must be set on the application object itself. Called by `main.ts` and by
 * the tests' `createTestApp()`, so both serve the same app. The app must be created with
 * `{ bodyParser: false, bufferLogs: true }`.
 */
export function configureApp(app: NestExpressApplication): void {
  const http = app.get<ConfigType<typeof httpConfig>>(httpConfig.KEY);
  const session = app.get<ConfigType<typeof sessionConfig>>(sessionConfig.KEY);
  app.useLogger(app.get(Logger));
  // First of all middleware: every request gets its id and its log line, even one refused below.
  app.use(app.get<HttpLogger>(REQUEST_LOGGER));
  app.disable('x-powered-by');
  if (http.trustProxy !== undefined) app.set('trust proxy', http.trustProxy);
  app.use(helmet());
  app.use(requireJsonBodies);
  app.use(noStoreForPrivateRoutes);
  // JSON only, strict (objects and arrays at the top), at most 100 kB: past it, 413. Keys that
  // could reach an object's prototype are refused outright (a 400), whatever the route.
  app.useBodyParser('json', { limit: BODY_LIMIT, strict: true, reviver: refusePrototypeKeys });
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
