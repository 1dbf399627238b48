import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { sessionConfig } from '../config/config.js';
import { SessionKind, type EndingSession, type SessionKindHandler } from '../session-registry/session-kind.js';
import { SessionStoreGateway } from '../session-store/session-store.gateway.js';

/**
 * A cookie session lives in the session store: ending it deletes the entry. The registry refuses
 * its handle until the session's absolute timeout, so an entry written back by a request still in
 * flight is refused too.
 */
@SessionKind('cookie')
@Injectable()
export class CookieSessionKind implements SessionKindHandler {
  readonly credentialLifetimeMs: number;
  readonly idleTimeoutMs: number;

  constructor(
    private readonly store: SessionStoreGateway,
    @Inject(sessionConfig.KEY) config: ConfigType<typeof sessionConfig>,
  ) {
    this.credentialLifetimeMs = config.absoluteTimeout * 1000;
    this.idleTimeoutMs = config.idleTimeout * 1000;
  }

  async end(session: EndingSession): Promise<void> {
    if (session.storeSid) await this.store.destroy(session.storeSid);
  }
}
