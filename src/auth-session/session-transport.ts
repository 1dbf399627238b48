import fastifyCookie, { Signer, type UnsignResult } from '@fastify/cookie';
import fastifySession, { type FastifySessionOptions } from '@fastify/session';
import type { ConfigType } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NextFunction, Request, Response } from 'express';
import session, { type Store } from 'express-session';
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import { LRUCache } from 'lru-cache';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError } from '../common/errors.js';
import { cookieCount } from '../common/http/cookies.js';
import { routePath } from '../common/http/http-edges.js';
import { type AuthApp, isFastify } from '../common/http/platform.js';
import { sessionConfig } from '../config/config.js';
import { markLoaded } from '../session-store/loaded-session.js';
import { SessionStoreGateway } from '../session-store/session-store.gateway.js';

type SessionConfig = ConfigType<typeof sessionConfig>;

/**
 * Carries the session id between browser and store: express-session on Express, @fastify/session
 * on Fastify, on the same store (both take express-session stores) with the same cookie. The
 * session's life (timeouts, activity, CSRF) is ours, in the cookie strategy; these libraries only
 * carry the id in a signed cookie and load and save the data. Never the MemoryStore.
 */
export async function configureSessions(app: AuthApp): Promise<void> {
  const config = app.get<SessionConfig>(sessionConfig.KEY);
  const { store } = app.get(SessionStoreGateway);
  if (isFastify(app)) await useFastifySession(app, config, store);
  else useExpressSession(app, config, store);
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
 * before any session library reads it, and the request goes on without a session (a sign-in
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
 * Whether a request gets a session from the library at all: only one that carries the session
 * cookie (exactly once, see `dropAmbiguousSessionCookie`), or signs in for one. Both libraries
 * would otherwise make every other request (a Bearer one, an anonymous one) a new session object
 * (a random id, a signature, a hash) only to drop it unsaved: about 13 % of a Fastify request and
 * 20 % of an Express one in `npm run bench`. Such a request has no `req.session`, which reads as
 * "no cookie session" everywhere.
 */
export function sessionGate(cookieName: string): (req: GateRequest) => boolean {
  return (req) =>
    dropAmbiguousSessionCookie(req.headers, cookieName) ||
    (req.method === 'POST' && SESSION_LOGIN_PATHS.has(routePath(req.url ?? '')));
}

/** 256 random bits (OWASP Session Management: at least 64 bits of entropy). */
const newSessionId = (): string => randomBytes(32).toString('base64url');

/**
 * express-session's signed-cookie prefix. @fastify/session signs the same way (HMAC-SHA256,
 * cookie-signature's format); with the prefix too, a cookie one adapter set reads on the other.
 */
const SIGNED_PREFIX = 's:';

/** The session cookie's attributes: set by the session libraries, cleared at logout with the same ones. */
export const sessionCookieOptions = (config: SessionConfig) =>
  ({
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.cookieSecure,
    // The cookie lives as long as an idle session may; the server enforces both timeouts itself.
    maxAge: config.idleTimeout * 1000,
  }) as const;

/** A store that cannot answer must not look like "no session": the request fails with a 503. */
const unavailable = (): DomainError => new DomainError('UNAVAILABLE', 'Service unavailable');

function useExpressSession(app: NestExpressApplication, config: SessionConfig, store: Store): void {
  const handler = session({
    name: config.cookieName,
    // A list: the first signs, all verify, so SESSION_SECRET rotates without signing anyone out.
    secret: config.secrets,
    store,
    genid: newSessionId,
    resave: false,
    saveUninitialized: false,
    rolling: false,
    unset: 'destroy',
    cookie: sessionCookieOptions(config),
  });
  const needsSession = sessionGate(config.cookieName);
  app.use((req: Request, res: Response, next: NextFunction) => {
    if (!needsSession(req)) return next();
    handler(req, res, (err?: unknown) => {
      if (!err) return next();
      // With `unset: 'destroy'`, express-session deletes the stored session when the response ends
      // with no session loaded, which is the case when the store failed to load it: a store that
      // was only slow (the delete is sent after the load timed out) would sign the user out.
      // Forgetting the id leaves the session alone; it is read again on the next request.
      delete (req as { sessionID?: string }).sessionID;
      next(unavailable());
    });
  });
}

/**
 * @fastify/cookie's `Signer` (the same format and secrets), remembering what it verified.
 * - A browser sends the same signed cookie on every request of its session, and its HMAC was a
 *   good part of a cookie request's CPU (bench profiles): a cookie verified before, under the
 *   first secret, is not verified again. Only valid cookies are kept, by their exact text, so a
 *   forged one is checked every time and cannot fill the memory; the secrets only change with a
 *   restart. Whether the session still exists is the store's answer, asked on every request.
 * - @fastify/session verifies the cookie, loads the session, then signs the same id again to build
 *   its session object: a second HMAC. The signature of an id under the first secret is the one
 *   the cookie carried, so that one is handed back instead. Requests may interleave between the
 *   two calls (the store is asynchronous): another id then simply misses and is signed as before.
 *   A cookie signed with an older secret is re-signed with the first one, as without this.
 */
export function rememberingSigner(secrets: string[]): {
  sign(value: string): string;
  unsign(signed: string): UnsignResult;
} {
  const signer = new Signer(secrets, 'sha256');
  const verified = new LRUCache<string, Extract<UnsignResult, { valid: true }>>({ max: VERIFIED_COOKIES_MAX });
  let last: { value: string; signed: string } | undefined;
  return {
    unsign(signed) {
      let result = verified.get(signed);
      if (!result) {
        const fresh = signer.unsign(signed);
        if (!fresh.valid || fresh.renew) return fresh;
        result = Object.freeze(fresh);
        verified.set(signed, result);
      }
      last = { value: result.value, signed };
      return result;
    },
    sign: (value) => (last?.value === value ? last.signed : signer.sign(value)),
  };
}

/** How many verified session cookies `rememberingSigner` keeps (each about 100 bytes). */
const VERIFIED_COOKIES_MAX = 10_000;

/** Runs the @fastify/session plugin function on the facade, as Fastify runs a plugin. */
function runPlugin(instance: object, options: FastifySessionOptions): Promise<void> {
  const plugin = fastifySession as unknown as (
    i: object,
    o: FastifySessionOptions,
    done: (err?: Error) => void,
  ) => void;
  return new Promise((resolve, reject) => plugin(instance, options, (err) => (err ? reject(err) : resolve())));
}

async function useFastifySession(app: NestFastifyApplication, config: SessionConfig, store: Store): Promise<void> {
  await app.register(fastifyCookie);
  const fastify = app.getHttpAdapter().getInstance();
  const needsSession = sessionGate(config.cookieName);
  // @fastify/session's own hooks, with the gate (see `sessionGate`) in front of its request hook: the
  // plugin function runs on a facade of the app. A request turned away keeps `session: null`,
  // which the plugin's send hook skips. The facade has only what the plugin uses: should a later
  // version use more, start-up fails. Once the plugin has loaded a request's session, a session
  // the cookie named and the store returned is marked as loaded, as express-session's
  // `createSession` marks it, so that saving it only updates (see loaded-session.ts) and an ended
  // session is never written back.
  const markIfRestored = (req: FastifyRequest): void => {
    const current = req.session as { encryptedSessionId?: string } | null;
    if (current?.encryptedSessionId && req.cookies[config.cookieName] === SIGNED_PREFIX + current.encryptedSessionId)
      markLoaded(current);
  };
  const facade = {
    decorate: fastify.decorate.bind(fastify),
    decorateRequest: fastify.decorateRequest.bind(fastify),
    addHook: (name: 'onRequest' | 'onSend', hook: (...args: never[]) => void) => {
      if (name !== 'onRequest') return fastify.addHook(name, hook as onSendHookHandler);
      const onRequest = hook as (req: FastifyRequest, reply: FastifyReply, done: (err?: Error) => void) => void;
      return fastify.addHook('onRequest', (req, reply, done) => {
        if (!needsSession(req)) return done();
        // @fastify/cookie parsed the header before the gate dropped an ambiguous session cookie.
        if (cookieCount(req.headers.cookie, config.cookieName) === 0) delete req.cookies[config.cookieName];
        onRequest(req, reply, (err) => {
          if (!err) markIfRestored(req);
          done(err);
        });
      });
    },
  };
  await runPlugin(facade, {
    cookieName: config.cookieName,
    // A list: the first signs, all verify, so SESSION_SECRET rotates without signing anyone out.
    secret: rememberingSigner(config.secrets),
    cookiePrefix: SIGNED_PREFIX,
    store: {
      get: (sid, cb) => store.get(sid, (err, data) => (err ? cb(unavailable()) : cb(null, data))),
      set: (sid, data, cb) => store.set(sid, data, (err?: unknown) => cb(err ? unavailable() : undefined)),
      destroy: (sid, cb) => store.destroy(sid, (err?: unknown) => cb(err ? unavailable() : undefined)),
    },
    idGenerator: newSessionId,
    saveUninitialized: false,
    rolling: false,
    cookie: sessionCookieOptions(config),
  });
}
