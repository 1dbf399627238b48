import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { LoggerModule } from 'nestjs-pino';
import { type HttpLogger, pinoHttp } from 'pino-http';
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

/** The request logger, mounted by `configureApp` before every other middleware. */
export const REQUEST_LOGGER = Symbol('REQUEST_LOGGER');

@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [REQUEST_LOGGER],
      // `useExisting`: nestjs-pino would mount pino-http as module middleware, which Nest runs after
      // every `app.use()` one; a request refused by the body parser or the JSON-only check (400, 413,
      // 415) would then get no request id and no log line. It only binds our `req.log` instead.
      useFactory: (requestLogger: HttpLogger) => ({ pinoHttp: { logger: requestLogger.logger }, useExisting: true }),
      providers: [
        {
          provide: REQUEST_LOGGER,
          inject: [httpConfig.KEY],
          useFactory: (http: ConfigType<typeof httpConfig>): HttpLogger =>
            pinoHttp({
              level: http.logLevel,
              redact: { paths: REDACT_PATHS, censor: '[redacted]' },
              // Express: pino-http names the request. (Fastify names it itself, with the same
              // function, and the hook in app.setup.ts echoes it: pino-http then reuses `req.id`.)
              genReqId: (req, res) => {
                const id = requestIdOf(req);
                res.setHeader(REQUEST_ID_HEADER, id);
                return id;
              },
              // The query string may carry anything a client typed; the path alone is enough to debug.
              serializers: {
                req: (req: { id: unknown; method: string; url: string }) => ({
                  id: req.id,
                  method: req.method,
                  path: req.url.split('?')[0],
                }),
              },
              autoLogging: { ignore: (req) => req.url === '/health' },
            }),
        },
      ],
    }),
  ],
})
export class LoggingModule {}
