import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { User } from '../../users/user.entity.js';

/** Where the login guard puts the account the `local` strategy verified (not `req.user`: that is the principal). */
export const LOGIN_ACCOUNT = 'account';

export const LoginAccount = createParamDecorator((_: unknown, ctx: ExecutionContext): User => {
  const account = ctx.switchToHttp().getRequest<Record<string, unknown>>()[LOGIN_ACCOUNT];
  if (!account) throw new Error('LoginAccount used on a route without the login guard');
  return account as User;
});
