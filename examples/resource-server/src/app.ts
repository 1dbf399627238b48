import 'reflect-metadata';
import {
  type CanActivate,
  Controller,
  type ExecutionContext,
  Get,
  Inject,
  Injectable,
  Module,
  Req,
  ServiceUnavailableException,
  SetMetadata,
  UnauthorizedException,
  type INestApplication,
} from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import type { Request } from 'express';
import type { ResourceServerConfig } from './config.js';
import { type Caller, TokenChecker } from './token-checker.js';

const PUBLIC = 'public';
const Public = (): MethodDecorator => SetMetadata(PUBLIC, true);

/** Every route needs a live token of the auth server unless marked @Public(). */
@Injectable()
class TokenGuard implements CanActivate {
  constructor(
    @Inject(TokenChecker) private readonly checker: TokenChecker,
    @Inject(Reflector) private readonly reflector: Reflector,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.get<boolean | undefined>(PUBLIC, context.getHandler())) return true;
    const req = context.switchToHttp().getRequest<Request & { caller?: Caller }>();
    let caller: Caller | null;
    try {
      caller = await this.checker.check({
        method: req.method,
        path: req.path,
        authorization: req.headers.authorization,
        dpop: typeof req.headers.dpop === 'string' ? req.headers.dpop : undefined,
      });
    } catch {
      // The auth server could not say whether the token is live: never guess "yes".
      throw new ServiceUnavailableException();
    }
    if (!caller) throw new UnauthorizedException();
    req.caller = caller;
    return true;
  }
}

@Controller()
class OrdersController {
  @Public()
  @Get('health')
  health(): { status: string } {
    return { status: 'ok' };
  }

  /** The caller's orders: here just who the caller is, as the token said. */
  @Get('orders')
  orders(@Req() req: Request & { caller: Caller }): { sub: string; sid: string; orders: unknown[] } {
    return { ...req.caller, orders: [] };
  }
}

/** Builds the resource server (not listening yet): the tests start it beside the auth server. */
export async function createResourceServer(config: ResourceServerConfig): Promise<INestApplication> {
  @Module({
    controllers: [OrdersController],
    providers: [
      { provide: TokenChecker, useValue: new TokenChecker(config) },
      { provide: APP_GUARD, useClass: TokenGuard },
    ],
  })
  class ResourceServerModule {}
  return NestFactory.create(ResourceServerModule, { logger: false });
}
