import fastifyCookie from '@fastify/cookie';
import type { ConfigType } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NextFunction, Request, Response } from 'express';
import type { IncomingHttpHeaders, OutgoingHttpHeader } from 'node:http';
import { cookieCount } from '../common/http/cookies.js';
import { routePath } from '../common/http/http-edges.js';
import { type AuthApp, isFastify } from '../common/http/platform.js';
import { sessionConfig } from '../config/config.js';
import { SessionStoreGateway } from '../session-store/session-store.gateway.js';
import { SessionCookies } from './request-session.js';
import type { SessionRequest } from './session-data.js';

type SessionConfig = ConfigType<typeof sessionConfig>;

/**
 * Gives each request that needs one its session (request-session.ts), on either adapter: an
 * Express middleware or a Fastify `onRequest` hook, behind the same gate.
 */
export async function configureSessions(app: AuthApp): Promise<void> {
  const config = app.get<SessionConfig>(sessionConfig.KEY);
  const sessions = new SessionCookies(config, app.get(SessionStoreGateway).store);
  if (isFastify(app)) await useOnFastify(app, sessions, config.cookieName);
  else useOnExpress(app, sessions, config.cookieName);
}

/**
 * The routes that make a session: the cookie login (`AuthSessionController`), the second step that
 * may finish one (`MfaVerifyController`) and the passkey sign-in (`PasskeySignInController`).
 */
const SESSION_LOGIN_PATHS = new Set(['/auth/session/login', '/auth/mfa/verify', '/auth/session/passkey']);

type GateRequest = { method?: string; url?: string; headers: IncomingHttpHeaders };

/**
 * Two or more cookies of the session cookie's name are no session at all: neither is used (see
 * `cookieCount`). The parsers would keep the first, which could sign the victim into the
 * attacker's account, or the other way round. So the header loses every cookie of that name
 * before the session transport reads it, and the request goes on without a session (a sign-in
 * still gets its new one). Returns whether the request still carries exactly one.
 */
export function dropAmbiguousSessionCookie(headers: IncomingHttpHeaders, name: string): boolean {
  const count = cookieCount(headers.cookie, name);
  if (count > 1)
    headers.cookie = headers
      .cookie!.split(';')
      .filter((pair) => {
        const eq = pair.indexOf('=');
        return eq === -1 || pair.slice(0, eq).trim() !== name;
      })
      .join(';');
  return count === 1;
}

/**
 * Whether a request gets a session at all: only one that carries the session cookie (exactly once,
 * see `dropAmbiguousSessionCookie`), or signs in for one. Every other request (a Bearer one, an
 * anonymous one) would otherwise get a new session object with a random id, only to drop it
 * unsaved (with the session libraries this was about 13 % of a Fastify request and 20 % of an
 * Express one in `npm run bench`). Such a request has no `req.session`, which reads as
 * "no cookie session" everywhere.
 */
export function sessionGate(cookieName: string): (req: GateRequest) => boolean {
  return (req) =>
    dropAmbiguousSessionCookie(req.headers, cookieName) ||
    (req.method === 'POST' && SESSION_LOGIN_PATHS.has(routePath(req.url ?? '')));
}

/**
 * The `Set-Cookie` values of a response with its session cookie replaced by `header` (or removed),
 * and every other cookie kept: a request that saves its session twice sends one cookie.
 */
export function withSessionCookie(current: OutgoingHttpHeader | undefined, name: string, header?: string): string[] {
  const all = current === undefined ? [] : Array.isArray(current) ? current : [String(current)];
  const kept = all.filter((value) => !value.startsWith(`${name}=`));
  if (header !== undefined) kept.push(header);
  return kept;
}

function useOnExpress(app: NestExpressApplication, sessions: SessionCookies, name: string): void {
  const needsSession = sessionGate(name);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!needsSession(req)) return next();
    const carrier = {
      secure: req.secure,
      setCookie: (header: string | undefined) => {
        const values = withSessionCookie(res.getHeader('set-cookie'), name, header);
        if (values.length > 0) res.setHeader('set-cookie', values);
        else res.removeHeader('set-cookie');
      },
    };
    sessions.open(req as SessionRequest & Request, carrier).then(() => next(), next);
  });
}

async function useOnFastify(app: NestFastifyApplication, sessions: SessionCookies, name: string): Promise<void> {
  const needsSession = sessionGate(name);
  // The reply's `setCookie` and `clearCookie`, which the adapter's own cookie methods call. No
  // parsing hook: nothing reads `request.cookies` (the session and refresh cookies are read from
  // the header by their own code), and the hook parsed every request's cookies into a new object
  // and Map.
  await app.register(fastifyCookie, { hook: false });
  const fastify = app.getHttpAdapter().getInstance();
  // One shape for every request object (Fastify's advice for what hooks add).
  fastify.decorateRequest('session', null);
  fastify.addHook('onRequest', (req, reply, done) => {
    if (!needsSession(req)) return done();
    const carrier = {
      secure: req.protocol === 'https',
      setCookie: (header: string | undefined) => {
        const values = withSessionCookie(reply.getHeader('set-cookie'), name, header);
        reply.removeHeader('set-cookie');
        if (values.length > 0) reply.header('set-cookie', values);
      },
    };
    sessions.open(req as unknown as SessionRequest & typeof req, carrier).then(() => done(), done);
  });
}
