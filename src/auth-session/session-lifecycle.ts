import { DomainError } from '../common/errors.js';
import type { EndReason, SessionRegistry } from '../session-registry/session-registry.service.js';
import type { RequestSession, SessionRequest } from './session-data.js';

/** The request's session: one that carries the session cookie or signs in has one. */
export function sessionOf(req: SessionRequest): RequestSession {
  // Only a request the session transport turned away has none (session-transport.ts): no cookie
  // session, whatever route it reached.
  if (!req.session) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
  return req.session;
}

/** A new session id for this request; the old session is deleted from the store. */
export const regenerate = (req: SessionRequest): Promise<void> => sessionOf(req).regenerate();

export const save = (req: SessionRequest): Promise<void> => sessionOf(req).save();

/** Ends the request's cookie session: removed from the store first, then closed in the registry. */
export async function endSession(req: SessionRequest, registry: SessionRegistry, reason: EndReason): Promise<void> {
  const handle = req.session?.auth?.handle;
  if (req.session) await req.session.destroy();
  if (handle) await registry.markEnded(handle, reason);
}
