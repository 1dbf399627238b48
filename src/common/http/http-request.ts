import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { IncomingHttpHeaders } from 'node:http';

/**
 * What the app reads of a request, the same on Express' `Request` and Fastify's `FastifyRequest`.
 * Code outside the adapter edges uses this, never either framework's type.
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
  /** The client's address: `X-Forwarded-For` counts only as far as `TRUST_PROXY` trusts it. */
  readonly ip?: string;
  body?: unknown;
}

/** Where a request comes from, for the session registry, the audit trail and the rate limits. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

export function clientOf(req: HttpRequest): ClientInfo {
  const ua = req.headers['user-agent'];
  return { ip: req.ip ?? null, userAgent: typeof ua === 'string' ? ua : null };
}

/** The request's `ClientInfo`, as a route parameter. */
export const Client = createParamDecorator((_: unknown, ctx: ExecutionContext): ClientInfo =>
  clientOf(ctx.switchToHttp().getRequest<HttpRequest>()),
);

/** The path, without the query string (which may carry anything a client typed). */
export const pathOf = (req: HttpRequest): string => req.url.split('?', 1)[0] ?? '';
