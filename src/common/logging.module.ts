import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { type Logger, pino } from 'pino';
import { httpConfig } from '../config/config.js';

const REQUEST_ID = /^[\w.:-]{1,64}$/;

export const REQUEST_ID_HEADER = 'X-Request-Id';

/**
 * One id per request, echoed to the client in `X-Request-Id`, so a user's report can be found in
 * the logs: the caller's own (a proxy's) when it is a plausible id, else a new UUID.
 */
export function requestIdOf(req: { headers: IncomingHttpHeaders }): string {
  const incoming = req.headers['x-request-id'];
  return typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * Secrets never reach a log line (ASVS 5.0 V16.2.5): credentials in headers, and every field that
 * can hold a password or token wherever it appears in a logged object.
 */
export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.dpop',
  'req.headers.cookie',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
  '*.password',
  '*.passwordHash',
  '*.accessToken',
  '*.refreshToken',
  '*.csrfToken',
  '*.token',
];

/**
 * The request being handled, for the log lines written while it is: the root logger's mixin reads
 * it, so only a line actually written pays for it (no child logger per request).
 */
const requestContext = new AsyncLocalStorage<string>();

/** Runs the rest of a request's handling with its id as the log context (both adapters, first of all). */
export const runInRequestContext = (id: string, next: () => void): void => requestContext.run(id, next);

/** The logger every line goes through (Nest's, through nestjs-pino, and the access lines). */
export const ROOT_LOGGER = Symbol('ROOT_LOGGER');

/** Probes hit every few seconds: their lines would bury the rest. */
const isProbe = (path: string): boolean => path === '/health' || path.startsWith('/health/');

/**
 * One access line per request: its id, method, path (never the query string: a client may put
 * anything there), status and time in ms, as `request completed` (or `request errored` at `error`
 * for a 5xx). No header is logged: the security headers, a Set-Cookie, told nothing worth their cost on every
 * request.
 */
export function logCompleted(
  logger: Logger,
  req: { id: string; method: string; url: string },
  statusCode: number,
  responseTime: number,
): void {
  const level = statusCode >= 500 ? 'error' : 'info';
  if (!logger.isLevelEnabled(level)) return;
  const path = req.url.split('?')[0]!;
  if (isProbe(path)) return;
  logger[level](
    { req: { id: req.id, method: req.method, path }, res: { statusCode }, responseTime: Math.round(responseTime) },
    statusCode >= 500 ? 'request errored' : 'request completed',
  );
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ROOT_LOGGER],
      // No middleware of nestjs-pino's (`forRoutes: []`): `configureApp` gives each request its id
      // and context before anything else on either adapter (a request refused by the body parser
      // or the JSON-only check still gets both), and on Fastify no Nest middleware means no
      // @fastify/middie on the request path (platform.ts).
      useFactory: (root: Logger) => ({ pinoHttp: { logger: root }, useExisting: true, forRoutes: [] }),
      providers: [
        {
          provide: ROOT_LOGGER,
          inject: [httpConfig.KEY],
          useFactory: (http: ConfigType<typeof httpConfig>): Logger =>
            pino({
              level: http.logLevel,
              redact: { paths: REDACT_PATHS, censor: '[redacted]' },
              // A line written while a request is handled names it; the access line sets its own.
              mixin: () => {
                const id = requestContext.getStore();
                return id === undefined ? {} : { req: { id } };
              },
            }),
        },
      ],
    }),
  ],
})
export class LoggingModule {}
