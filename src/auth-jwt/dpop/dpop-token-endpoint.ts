import { type CanActivate, createParamDecorator, type ExecutionContext, Injectable, type Type } from '@nestjs/common';
import type { HttpRequest } from '../../common/http/http-request.js';
import { DpopProofVerifier } from './dpop-proof.js';

/** Where the guard leaves the thumbprint of the proof's key (absent: no proof). */
const DPOP_JKT = Symbol('dpopJkt');

type WithJkt = HttpRequest & { [DPOP_JKT]?: string };

/**
 * The DPoP proof of a login or refresh, checked before anything else of the request: a bad proof
 * is a 400 before the password is hashed, a rate limit counted or a refresh token read (RFC 9449
 * §5: no tokens for a request whose proof fails). Its key's thumbprint goes to the handler.
 */
function proofGuard(route: 'login' | 'refresh'): Type<CanActivate> {
  @Injectable()
  class DpopProofGuard implements CanActivate {
    constructor(private readonly verifier: DpopProofVerifier) {}

    async canActivate(context: ExecutionContext): Promise<boolean> {
      const req = context.switchToHttp().getRequest<WithJkt>();
      req[DPOP_JKT] = await this.verifier.atTokenEndpoint(req, route);
      return true;
    }
  }
  return DpopProofGuard;
}

export const DpopLoginProofGuard = proofGuard('login');
export const DpopRefreshProofGuard = proofGuard('refresh');

/** The thumbprint of the request's verified DPoP key, or undefined without a proof. */
export const DpopKey = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): string | undefined => ctx.switchToHttp().getRequest<WithJkt>()[DPOP_JKT],
);
