import type { SessionData } from 'express-session';

const LOADED = Symbol('loaded from the store');

/**
 * Marks a session the session transport read from the store (request-session.ts). A symbol key:
 * never serialised.
 */
export function markLoaded<T extends object>(session: T): T {
  (session as Record<symbol, unknown>)[LOADED] = true;
  return session;
}

/**
 * Whether `set` is saving a session read from the store earlier in the request, rather than a new
 * one. Such a save only updates: if the session was deleted meanwhile (a logout, a session ended
 * or a forced logout on another instance, while this request was being served), writing it back
 * would bring an ended session back to life.
 */
export const wasLoaded = (session: SessionData): boolean =>
  (session as unknown as Record<symbol, unknown>)[LOADED] === true;
