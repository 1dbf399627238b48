import { Inject, Injectable, type NestMiddleware } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import session from 'express-session';
import { randomBytes } from 'node:crypto';
import { DomainError } from '../common/errors.js';
import { sessionConfig } from '../config/config.js';
import { SessionStoreGateway } from '../session-store/session-store.gateway.js';

/**
 * express-session, wired as Nest middleware on the configured store (never the MemoryStore).
 * The session's life (timeouts, activity, CSRF) is ours, in the cookie strategy; express-session
 * only carries the id in a signed cookie and loads and saves the data.
 */
@Injectable()
export class SessionMiddleware implements NestMiddleware {
  private readonly handler: RequestHandler;

  constructor(@Inject(sessionConfig.KEY) config: ConfigType<typeof sessionConfig>, gateway: SessionStoreGateway) {
    this.handler = session({
      name: config.cookieName,
      // A list: the first signs, all verify, so SESSION_SECRET rotates without signing anyone out.
      secret: config.secrets,
      store: gateway.store,
      // 256 random bits (OWASP Session Management: at least 64 bits of entropy).
      genid: () => randomBytes(32).toString('base64url'),
      resave: false,
      saveUninitialized: false,
      rolling: false,
      unset: 'destroy',
      cookie: {
        httpOnly: true,
        sameSite: 'lax',
        path: '/',
        secure: config.cookieSecure,
        // The cookie lives as long as an idle session may; the server enforces both timeouts itself.
        maxAge: config.idleTimeout * 1000,
      },
    });
  }

  use(req: Request, res: Response, next: NextFunction): void {
    this.handler(req, res, (err?: unknown) => {
      if (!err) return next();
      // With `unset: 'destroy'`, express-session deletes the stored session when the response ends
      // with no session loaded, which is the case when the store failed to load it: a store that
      // was only slow (the delete is sent after the load timed out) would sign the user out.
      // Forgetting the id leaves the session alone; it is read again on the next request.
      delete (req as { sessionID?: string }).sessionID;
      // A store that cannot answer must not look like "no session": the request fails with a 503.
      next(new DomainError('UNAVAILABLE', 'Service unavailable'));
    });
  }
}
