import { Inject, Injectable } from '@nestjs/common';
import type { CookieSerializeOptions } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { HttpAdapterHost } from '@nestjs/core';
import { parse } from 'cookie';
import { cookieCount } from '../common/http/cookies.js';
import type { HttpRequest } from '../common/http/http-request.js';
import { jwtConfig } from '../config/config.js';

export const REFRESH_COOKIE_PATH = '/auth/jwt';

/** `__Secure-` needs HTTPS; `__Host-` would need Path=/, and this cookie is only for /auth/jwt. */
export const refreshCookieName = (secure: boolean): string => (secure ? '__Secure-refresh_token' : 'refresh_token');

/**
 * The refresh token's cookie, for browsers: HttpOnly, SameSite=Strict, sent to /auth/jwt only.
 * Written through the HTTP adapter's own `setCookie`, the same on Express and Fastify.
 */
@Injectable()
export class RefreshCookie {
  private readonly name: string;
  private readonly options: CookieSerializeOptions;

  constructor(
    @Inject(jwtConfig.KEY) config: ConfigType<typeof jwtConfig>,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.name = refreshCookieName(config.cookieSecure);
    this.options = { httpOnly: true, sameSite: 'strict', path: REFRESH_COOKIE_PATH, secure: config.cookieSecure };
  }

  set(res: object, token: string, maxAgeSeconds: number): void {
    this.adapterHost.httpAdapter.setCookie(res, this.name, token, {
      ...this.options,
      maxAge: maxAgeSeconds,
      expires: new Date(Date.now() + maxAgeSeconds * 1000),
    });
  }

  clear(res: object): void {
    this.adapterHost.httpAdapter.clearCookie(res, this.name, this.options);
  }

  /** The refresh token of the cookie; none when the request carries no such cookie, or two (ambiguous). */
  read(req: HttpRequest): string | undefined {
    const header = req.headers.cookie;
    return header && cookieCount(header, this.name) === 1 ? parse(header)[this.name] : undefined;
  }
}
