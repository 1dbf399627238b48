import { SetMetadata } from '@nestjs/common';

export type AuthStyle = 'session' | 'jwt' | 'any';
export const AUTH_STYLE = 'auth:style';

/**
 * Which credential a route accepts: the session cookie, a Bearer access token, or either
 * (the default for every route not marked `@Public()`).
 */
export const Auth = (style: AuthStyle): MethodDecorator & ClassDecorator => SetMetadata(AUTH_STYLE, style);
