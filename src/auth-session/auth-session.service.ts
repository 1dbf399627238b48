import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { Request } from 'express';
import { sessionConfig } from '../config/config.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { UserView } from '../users/dto/user-view.dto.js';
import type { User } from '../users/user.entity.js';
import { newCsrfToken } from './csrf.js';
import type { SessionLoginView } from './dto/session-login.dto.js';
import { endSession, save } from './session-lifecycle.js';

@Injectable()
export class AuthSessionService {
  constructor(
    @Inject(sessionConfig.KEY) private readonly config: ConfigType<typeof sessionConfig>,
    private readonly registry: SessionRegistry,
  ) {}

  /** Signs the user into the (already regenerated) session and records it in the registry. */
  async signIn(req: Request, user: User): Promise<SessionLoginView> {
    const now = Date.now();
    const expiresAt = new Date(now + this.config.absoluteTimeout * 1000);
    const record = await this.registry.open({
      userId: user.id,
      kind: 'cookie',
      expiresAt,
      ip: req.ip ?? null,
      userAgent: req.get('user-agent') ?? null,
      storeSid: req.sessionID,
    });
    const csrfToken = newCsrfToken();
    req.session.auth = {
      userId: user.id,
      roles: user.roles,
      handle: record.id,
      csrfToken,
      createdAt: now,
      lastSeenAt: now,
    };
    await save(req.session);
    return { user: UserView.of(user), csrfToken, expiresAt: expiresAt.toISOString() };
  }

  signOut(req: Request): Promise<void> {
    return endSession(req, this.registry, 'logout');
  }

  csrfToken(req: Request): string {
    return req.session.auth?.csrfToken ?? '';
  }
}
