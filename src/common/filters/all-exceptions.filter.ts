import { type ArgumentsHost, Catch, type ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { type HttpRequest, pathOf } from '../http/http-request.js';
import { isDependencyUnavailable } from '../dependency-failure.js';
import { DomainError, type DomainErrorCode, DPOP_ALGORITHMS, DpopError } from '../errors.js';

const DOMAIN_STATUS: Record<DomainErrorCode, HttpStatus> = {
  EMAIL_TAKEN: HttpStatus.CONFLICT,
  CONFLICT: HttpStatus.CONFLICT,
  INVALID_INPUT: HttpStatus.BAD_REQUEST,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  INVALID_CREDENTIALS: HttpStatus.UNAUTHORIZED,
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  INVALID_TOKEN: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  REAUTH_REQUIRED: HttpStatus.FORBIDDEN,
  EMAIL_NOT_VERIFIED: HttpStatus.FORBIDDEN,
  INVALID_MAIL_TOKEN: HttpStatus.BAD_REQUEST,
  LAST_ADMIN: HttpStatus.CONFLICT,
  CSRF_FAILED: HttpStatus.FORBIDDEN,
  LOCKED: HttpStatus.TOO_MANY_REQUESTS,
  RATE_LIMITED: HttpStatus.TOO_MANY_REQUESTS,
  UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INVALID_DPOP_PROOF: HttpStatus.BAD_REQUEST,
  USE_DPOP_NONCE: HttpStatus.BAD_REQUEST,
};

const DPOP_ALGS = DPOP_ALGORITHMS.join(' ');

/**
 * Errors raised before Nest's router carry a status and their own messages, which quote the input,
 * so each gets a fixed message here: body-parser's http-errors on Express (`status`, `expose`),
 * Fastify's own errors (`statusCode`, a `FST_` code) and our parser's on Fastify (both shapes).
 */
const MIDDLEWARE_MESSAGES: Partial<Record<number, string>> = {
  400: 'Malformed request body',
  413: 'Request body too large',
  415: 'Unsupported content type',
};

export interface ErrorBody {
  statusCode: number;
  message: string | string[];
  error: string;
}

/**
 * The one place where an error becomes an HTTP answer: Nest's `{statusCode, message, error}`
 * shape, never a stack, SQL or secret. Anything unexpected is a bare 500 and one log line.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Exceptions');

  constructor(private readonly adapterHost: HttpAdapterHost) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const adapter = this.adapterHost.httpAdapter;
    const ctx = host.switchToHttp();
    const res: unknown = ctx.getResponse();
    const { body, headers } = this.toResponse(exception, ctx.getRequest<HttpRequest>());
    if (adapter.isHeadersSent(res)) return;
    for (const [name, value] of Object.entries(headers)) adapter.setHeader(res, name, value);
    adapter.reply(res, body, body.statusCode);
  }

  private toResponse(exception: unknown, req: HttpRequest): { body: ErrorBody; headers: Record<string, string> } {
    if (exception instanceof DpopError) return dpopResponse(exception);
    if (exception instanceof DomainError) {
      const status = DOMAIN_STATUS[exception.code];
      const headers: Record<string, string> = {};
      // RFC 6750 §3: a refused Bearer token says so, without saying why.
      if (exception.code === 'INVALID_TOKEN') headers['WWW-Authenticate'] = 'Bearer error="invalid_token"';
      if (exception.retryAfter !== undefined)
        headers['Retry-After'] = String(Math.max(1, Math.ceil(exception.retryAfter)));
      return { body: errorBody(status, exception.message), headers };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'object' && response !== null && 'message' in response
          ? (response as { message: string | string[] }).message
          : exception.message;
      // Body-parser, Fastify and URL-decoding errors arrive wrapped by the adapter; their text quotes the input.
      const cause = exception.cause;
      const fromMiddleware =
        cause instanceof Error &&
        (cause instanceof SyntaxError || cause instanceof URIError || edgeStatus(cause) !== undefined);
      if (fromMiddleware) return { body: errorBody(status, edgeMessage(status, cause)), headers: {} };
      const headers: Record<string, string> = {};
      const extra = (exception as HttpException & { headers?: Record<string, string> }).headers;
      if (extra) Object.assign(headers, extra);
      return { body: errorBody(status, status >= 500 ? serverMessage(status) : message), headers };
    }
    const edge = edgeStatus(exception);
    if (edge !== undefined) {
      return { body: errorBody(edge, edgeMessage(edge, exception)), headers: {} };
    }
    // Only name, message and stack: a driver error also carries the query's parameters (a hash, an email).
    const err =
      exception instanceof Error
        ? { type: exception.name, message: exception.message, stack: exception.stack }
        : { type: typeof exception };
    if (isDependencyUnavailable(exception)) {
      // The database or Redis is away (restarting, cut off): not a bug of ours, and worth a retry.
      this.logger.warn(
        { err: { type: err.type, message: err.message }, path: pathOf(req), method: req.method },
        'Dependency unavailable',
      );
      return {
        body: errorBody(HttpStatus.SERVICE_UNAVAILABLE, serverMessage(HttpStatus.SERVICE_UNAVAILABLE)),
        headers: {},
      };
    }
    this.logger.error({ err, path: pathOf(req), method: req.method }, 'Unhandled error');
    return { body: errorBody(HttpStatus.INTERNAL_SERVER_ERROR, 'Internal server error'), headers: {} };
  }
}

/**
 * RFC 9449: at a resource, a 401 whose `WWW-Authenticate` names the DPoP scheme, the error and the
 * accepted algorithms (§7.1); at the token endpoint, a 400 whose `error` is the OAuth code (§5).
 * `use_dpop_nonce` carries the nonce to use (§8, §9).
 */
function dpopResponse(e: DpopError): { body: ErrorBody; headers: Record<string, string> } {
  const headers: Record<string, string> = {};
  if (e.nonce !== undefined) headers['DPoP-Nonce'] = e.nonce;
  if (e.atResource) {
    headers['WWW-Authenticate'] = `DPoP error="${e.oauthError}", algs="${DPOP_ALGS}"`;
    return { body: errorBody(HttpStatus.UNAUTHORIZED, e.message), headers };
  }
  return { body: { ...errorBody(HttpStatus.BAD_REQUEST, e.message), error: e.oauthError }, headers };
}

/** The 4xx status of an error raised by the HTTP layer before any route ran, if it is one. */
function edgeStatus(exception: unknown): number | undefined {
  if (typeof exception !== 'object' || exception === null) return undefined;
  const e = exception as { status?: unknown; statusCode?: unknown; expose?: unknown; code?: unknown };
  const status = e.status ?? e.statusCode;
  if (typeof status !== 'number' || status < 400 || status >= 500) return undefined;
  const fromHttpLayer = e.expose === true || (typeof e.code === 'string' && e.code.startsWith('FST_'));
  return fromHttpLayer ? status : undefined;
}

/** The one shape of every error answer. */
export function errorBody(statusCode: number, message: string | string[]): ErrorBody {
  return { statusCode, message, error: reasonPhrase(statusCode) };
}

/**
 * The fixed message of an error raised before any route: a path that does not decode (Express'
 * URIError, Fastify's FST_ERR_BAD_URL), else by status.
 */
export function edgeMessage(status: number, cause: unknown): string {
  const code = (cause as { code?: unknown } | null)?.code;
  if (cause instanceof URIError || code === 'FST_ERR_BAD_URL') return 'Malformed request path';
  return MIDDLEWARE_MESSAGES[status] ?? 'Bad request';
}

/** A 5xx never carries its exception's text; a 503 says what it is, so clients know to retry. */
const serverMessage = (status: number): string => (status === 503 ? 'Service unavailable' : 'Internal server error');

function reasonPhrase(status: number): string {
  const name = HttpStatus[status];
  if (!name) return 'Error';
  return name
    .split('_')
    .map((w) => w.charAt(0) + w.slice(1).toLowerCase())
    .join(' ');
}
