import type { CookieOptions, Request, Response } from 'express';
import { parse } from 'cookie';

export const REFRESH_COOKIE_PATH = '/auth/jwt';

/** `__Secure-` needs HTTPS; `__Host-` would need Path=/, and this cookie is only for /auth/jwt. */
export const refreshCookieName = (secure: boolean): string => (secure ? '__Secure-refresh_token' : 'refresh_token');

const options = (secure: boolean): CookieOptions => ({
  httpOnly: true,
  sameSite: 'strict',
  path: REFRESH_COOKIE_PATH,
  secure,
});

export function setRefreshCookie(res: Response, secure: boolean, token: string, maxAgeSeconds: number): void {
  res.cookie(refreshCookieName(secure), token, { ...options(secure), maxAge: maxAgeSeconds * 1000 });
}

export function clearRefreshCookie(res: Response, secure: boolean): void {
  res.clearCookie(refreshCookieName(secure), options(secure));
}

export function readRefreshCookie(req: Request, secure: boolean): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  return parse(header)[refreshCookieName(secure)];
}
