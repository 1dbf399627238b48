import type { Request } from 'express';
import type { Session } from 'express-session';
import { DomainError } from '../common/errors.js';
import type { EndReason, SessionRegistry } from '../session-registry/session-registry.service.js';

type Callback = (err?: unknown) => void;

/** The store could not be reached: a clean 503, never a half-made session. */
const settle =
  (resolve: () => void, reject: (e: unknown) => void): Callback =>
  (err) =>
    err ? reject(new DomainError('UNAVAILABLE', 'Service unavailable')) : resolve();

export const regenerate = (s: Session): Promise<void> =>
  new Promise((resolve, reject) => s.regenerate(settle(resolve, reject)));

export const save = (s: Session): Promise<void> => new Promise((resolve, reject) => s.save(settle(resolve, reject)));

const destroy = (s: Session): Promise<void> => new Promise((resolve, reject) => s.destroy(settle(resolve, reject)));

/** Ends the request's cookie session: removed from the store first, then closed in the registry. */
export async function endSession(req: Request, registry: SessionRegistry, reason: EndReason): Promise<void> {
  const handle = req.session?.auth?.handle;
  if (req.session) await destroy(req.session);
  if (handle) await registry.markEnded(handle, reason);
}
