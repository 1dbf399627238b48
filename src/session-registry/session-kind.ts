import { DiscoveryService } from '@nestjs/core';

/** A session as a kind sees it when the registry ends it. */
export interface EndingSession {
  id: string;
  userId: string;
  /** The kind's own handle to its credential (e.g. the cookie session's store id); never leaves the server. */
  storeSid: string | null;
}

/**
 * What a credential style contributes to the registry: the registry owns records, listing, limits,
 * cut-offs and the audit of endings; each style says what its kind of session is.
 *
 * To add a kind, write a provider in the style's own module, decorate it with `@SessionKind('name')`
 * and implement this interface; the registry finds it at start-up (Nest's DiscoveryService), so
 * neither the registry nor any other style is edited.
 */
export interface SessionKindHandler {
  /**
   * The longest a credential of this kind, issued now, can still be presented and accepted without
   * the registry's say (an access token until its `exp` plus the clock tolerance; a cookie session
   * until its absolute timeout). The registry keeps refusals (an ended session's id, a user's
   * cut-off) exactly that long, so this is the one place those lifetimes come from.
   */
  readonly credentialLifetimeMs: number;
  /** Sessions of this kind also end this long after their last activity (cookie sessions); none for JWT. */
  readonly idleTimeoutMs?: number;
  /**
   * Ends the credential itself, at once, wherever it lives (the store entry, the refresh family).
   * The registry has already refused the session's id on every instance before calling this.
   */
  end(session: EndingSession): Promise<void>;
}

/** Marks a provider as the handler of one kind of session (see `SessionKindHandler`). */
export const SessionKind = DiscoveryService.createDecorator<string>();
