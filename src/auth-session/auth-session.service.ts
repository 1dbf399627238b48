import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { ClientInfo } from '../common/http/http-request.js';
import { DomainError } from '../common/errors.js';
import { httpConfig, sessionConfig } from '../config/config.js';
import type { SignInMethod } from '../session-registry/session-record.entity.js';
import { SessionRegistry } from '../session-registry/session-registry.service.js';
import { UserView } from '../users/dto/user-view.dto.js';
import type { User } from '../users/user.entity.js';
import { isCrossSite, newCsrfToken } from './csrf.js';
import type { SessionLoginView } from './dto/session-login.dto.js';
import type { SessionRequest } from './session-data.js';
import { endSession, regenerate, save, sessionOf } from './session-lifecycle.js';

@Injectable()
export class AuthSessionService {
  constructor(
    @Inject(sessionConfig.KEY) private readonly config: ConfigType<typeof sessionConfig>,
    private readonly registry: SessionRegistry,
    @Inject(httpConfig.KEY) private readonly http: ConfigType<typeof httpConfig>,
  ) {}

  /**
   * A sign-in proved by other means than the login route (the second step, a passkey): what
   * SessionLoginGuard does around the password check (login CSRF, a new session id, the old
   * session replaced), then `signIn`.
   */
  async signInAnew(
    req: SessionRequest & { headers: Record<string, string | string[] | undefined> },
    client: ClientInfo,
    user: User,
    method: SignInMethod,
  ): Promise<SessionLoginView> {
    if (isCrossSite(req.headers, this.http.corsOrigins))
      throw new DomainError('CSRF_FAILED', 'Cross-site request refused');
    const previous = sessionOf(req).auth?.handle;
    await regenerate(req);
    if (previous) await this.registry.markEnded(previous, 'replaced');
    return this.signIn(req, client, user, method);
  }

  /** Signs the user into the (already regenerated) session and records it in the registry. */
  async signIn(
    req: SessionRequest,
    client: ClientInfo,
    user: User,
    method: SignInMethod = 'password',
  ): Promise<SessionLoginView> {
    const now = Date.now();
    const expiresAt = new Date(now + this.config.absoluteTimeout * 1000);
    const record = await this.registry.open({
      userId: user.id,
      kind: 'cookie',
      expiresAt,
      ...client,
      storeSid: sessionOf(req).id,
      method,
    });
    const csrfToken = newCsrfToken();
    sessionOf(req).auth = {
      userId: user.id,
      roles: user.roles,
      handle: record.id,
      csrfToken,
      createdAt: now,
      authTime: now,
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
