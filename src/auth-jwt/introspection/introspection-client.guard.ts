import { type CanActivate, type ExecutionContext, Inject, Injectable, UnauthorizedException } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { RateLimiterAbstract } from 'rate-limiter-flexible';
import { createHash, timingSafeEqual } from 'node:crypto';
import { consume } from '../../abuse/limiters.js';
import type { HttpRequest } from '../../common/http/http-request.js';
import { introspectionConfig } from '../../config/config.js';

export const INTROSPECTION_CLIENT_LIMITER = Symbol('INTROSPECTION_CLIENT_LIMITER');
export const INTROSPECTION_FAILURE_LIMITER = Symbol('INTROSPECTION_FAILURE_LIMITER');

const BASIC = /^Basic ([A-Za-z0-9+/]+=*)$/i;
const digest = (value: string): Buffer => createHash('sha256').update(value).digest();

/** RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded. */
function decodePart(part: string): string | undefined {
  try {
    return decodeURIComponent(part.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * HTTP Basic client authentication of `POST /oauth/introspect` (RFC 7662 §2.1) against
 * `INTROSPECTION_CLIENTS`. Secrets are compared as SHA-256 digests with `timingSafeEqual`, so
 * neither their content nor their length shows in the time taken; an unknown id costs the same
 * comparison. Failures count per client IP (a slow brute force is still stopped), successes per
 * client (one resource server cannot starve the others).
 */
@Injectable()
export class IntrospectionClientGuard implements CanActivate {
  private readonly clients: Map<string, Buffer>;
  private readonly decoy = digest('no client has this secret');

  constructor(
    @Inject(introspectionConfig.KEY) config: ConfigType<typeof introspectionConfig>,
    @Inject(INTROSPECTION_CLIENT_LIMITER) private readonly perClient: RateLimiterAbstract,
    @Inject(INTROSPECTION_FAILURE_LIMITER) private readonly failures: RateLimiterAbstract,
  ) {
    this.clients = new Map([...config.clients].map(([id, secret]) => [id, digest(secret)]));
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<HttpRequest>();
    const client = this.authenticate(req.headers.authorization);
    if (client === undefined) {
      await consume(this.failures, req.ip ?? 'unknown', 'Too many requests, try again later');
      throw Object.assign(new UnauthorizedException('Invalid client credentials'), {
        headers: { 'WWW-Authenticate': 'Basic realm="introspection", charset="UTF-8"' },
      });
    }
    await consume(this.perClient, client, 'Too many requests, try again later');
    return true;
  }

  /** The client id the header proves, or undefined. */
  private authenticate(header: string | undefined): string | undefined {
    const m = typeof header === 'string' && header.length <= 1024 ? BASIC.exec(header) : null;
    if (!m) return undefined;
    const pair = Buffer.from(m[1]!, 'base64').toString('utf8');
    const colon = pair.indexOf(':');
    if (colon <= 0) return undefined;
    const id = decodePart(pair.slice(0, colon));
    const secret = decodePart(pair.slice(colon + 1));
    if (id === undefined || secret === undefined) return undefined;
    const expected = this.clients.get(id);
    const matches = timingSafeEqual(digest(secret), expected ?? this.decoy);
    return matches && expected !== undefined ? id : undefined;
  }
}
