import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { ClientInfo } from '../common/http/http-request.js';
import { sessionConfig } from '../config/config.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { UserView } from '../users/dto/user-view.dto.js';
import type { User } from '../users/user.entity.js';
import { newCsrfToken } from './csrf.js';
import type { SessionLoginView } from './dto/session-login.dto.js';
import { storeSid, type SessionRequest } from './session-data.js';
import { endSession, save, sessionOf } from './session-lifecycle.js';

@Injectable()
export class AuthSessionService {
  constructor(
    @Inject(sessionConfig.KEY) private readonly config: ConfigType<typeof sessionConfig>,
    private readonly registry: SessionRegistry,
  ) {}

  /** Signs the user into the (already regenerated) session and records it in the registry. */
  async signIn(req: SessionRequest, client: ClientInfo, user: User): Promise<SessionLoginView> {
    const now = Date.now();
    const expiresAt = new Date(now + this.config.absoluteTimeout * 1000);
    const record = await this.registry.open({
      userId: user.id,
      kind: 'cookie',
      expiresAt,
      ...client,
      storeSid: storeSid(sessionOf(req)),
    });
    const csrfToken = newCsrfToken();
    sessionOf(req).auth = {
      userId: user.id,
      roles: user.roles,
      handle: record.id,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
    };
    await save(req);
    return { user: UserView.of(user), csrfToken, expiresAt: expiresAt.toISOString() };
  }

  signOut(req: SessionRequest): Promise<void> {
    return endSession(req, this.registry, 'logout');
  }

  csrfToken(req: SessionRequest): string {
    return req.session?.auth?.csrfToken ?? '';
  }
}
