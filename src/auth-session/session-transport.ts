import fastifyCookie, { Signer, type UnsignResult } from '@fastify/cookie';
import fastifySession, { type FastifySessionOptions } from '@fastify/session';
import type { ConfigType } from '@nestjs/config';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { NextFunction, Request, Response } from 'express';
import session, { type Store } from 'express-session';
import type { FastifyReply, FastifyRequest, onSendHookHandler } from 'fastify';
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { DomainError } from '../common/errors.js';
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

/** The one route that makes a session; its controller is `AuthSessionController` (`auth/session`, `login`). */
const SESSION_LOGIN_PATH = '/auth/session/login';

type GateRequest = { method?: string; url?: string; headers: IncomingHttpHeaders };

/**
 * Whether a request gets a session from the library at all: only one that carries the session
 * cookie, or signs in for one. Both libraries would otherwise make every other request (a Bearer
 * one, an anonymous one) a new session object (a random id, a signature, a hash) only to drop it
 * unsaved: about 13 % of a Fastify request and 20 % of an Express one in `npm run bench`. Such a
 * request has no `req.session`, which reads as "no cookie session" everywhere.
 */
export function sessionGate(cookieName: string): (req: GateRequest) => boolean {
  const carriesCookie = new RegExp(`(?:^|;)\\s*${cookieName.replace(/[^\w-]/g, '\\$&')}=`);
  return (req) =>
    carriesCookie.test(req.headers.cookie ?? '') ||
    (req.method === 'POST' && routePath(req.url ?? '') === SESSION_LOGIN_PATH);
}

/** 256 random bits (OWASP Session Management: at least 64 bits of entropy). */
const newSessionId = (): string => randomBytes(32).toString('base64url');

/**
 * express-session's signed-cookie prefix. @fastify/session signs the same way (HMAC-SHA256,
 * cookie-signature's format); with the prefix too, a cookie one adapter set reads on the other.
 */
const SIGNED_PREFIX = 's:';

const cookieOptions = (config: SessionConfig) =>
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
    cookie: cookieOptions(config),
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
 * @fastify/cookie's `Signer` (the same format and secrets), remembering the id it last verified.
 * @fastify/session verifies the cookie, loads the session, then signs the same id again to build
 * its session object: a second HMAC on every request with a session cookie. The signature of an
 * id under the first secret is the one the cookie carried, so that one is handed back instead.
 * Requests may interleave between the two calls (the store is asynchronous): another id then
 * simply misses and is signed as before. A cookie signed with an older secret is re-signed with
 * the first one, as without this.
 */
export function rememberingSigner(secrets: string[]): {
  sign(value: string): string;
  unsign(signed: string): UnsignResult;
} {
  const signer = new Signer(secrets, 'sha256');
  let last: { value: string; signed: string } | undefined;
  return {
    unsign(signed) {
      const result = signer.unsign(signed);
      if (result.valid && !result.renew) last = { value: result.value, signed };
      return result;
    },
    sign: (value) => (last?.value === value ? last.signed : signer.sign(value)),
  };
}

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
    cookie: cookieOptions(config),
  });
}
