import { Inject, Injectable } from '@nestjs/common';
import type { SessionData, Store } from 'express-session';
import { SESSION_STORE } from './session-store.constants.js';

/**
 * The session store as other modules use it: `store` for the session transport (request-session.ts), and promise forms of the
 * two operations done outside a request's own session (ending another session, reading one).
 * A store failure (Redis down, database error) rejects; it never reads as a missing session.
 */
@Injectable()
export class SessionStoreGateway {
  constructor(@Inject(SESSION_STORE) readonly store: Store) {}

  /** The session, or `null` when it is missing or expired. */
  get(sid: string): Promise<SessionData | null> {
    return new Promise((resolve, reject) => {
      this.store.get(sid, (err: unknown, session?: SessionData | null) =>
        err ? reject(toError(err)) : resolve(session ?? null),
      );
    });
  }

  /** Deletes the session at once; deleting a missing one is not an error. */
  destroy(sid: string): Promise<void> {
    return new Promise((resolve, reject) => {
      this.store.destroy(sid, (err?: unknown) => (err ? reject(toError(err)) : resolve()));
    });
  }
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}
