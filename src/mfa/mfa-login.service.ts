import { Injectable } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { LoginLockout } from '../abuse/login-lockout.js';
import { TOO_MANY_ATTEMPTS } from '../abuse/limiters.js';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors.js';
import type { ClientInfo } from '../common/http/http-request.js';
import { EphemeralStore } from '../ephemeral-store/ephemeral-store.js';
import type { SignInMethod } from '../session-registry/session-record.entity.js';
import type { LoginStyle } from '../auth/credentials/second-factor-gate.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { TotpService } from './totp.service.js';

/** What a login route answers instead of signing in when the account has a second factor. */
export interface MfaChallengeView {
  mfaRequired: true;
  mfaToken: string;
  methods: ('totp' | 'recovery_code')[];
}

export interface SecondStep {
  mfaToken: string;
  code?: string;
  recoveryCode?: string;
}

/** A finished second step: who, in which style the sign-in started, and how they proved it. */
export interface CompletedSignIn {
  user: User;
  style: LoginStyle;
  method: SignInMethod;
}

interface Pending {
  userId: string;
  /** The normalised email the password step named: the lockout counts wrong codes on it. */
  email: string;
  style: LoginStyle;
}

const TOKEN_TTL_MS = 5 * 60 * 1000;
/** The fifth wrong code ends the token (api.md). */
const MAX_WRONG_CODES = 5;

const refused = (): DomainError => new DomainError('INVALID_CREDENTIALS', 'Invalid or expired code');
const keyOf = (token: string): string => `mfa:login:${createHash('sha256').update(token).digest('base64url')}`;

/**
 * The second step of a password sign-in. The password step leaves a pending sign-in in the shared
 * store under an opaque `mfaToken` (only its hash is a key), so any instance can finish it; it is
 * single-use, lives 5 minutes, dies at the fifth wrong code, and every wrong code also counts
 * toward the account's lockout, so fetching new tokens with the password does not buy more guesses.
 */
@Injectable()
export class MfaLoginService {
  constructor(
    private readonly store: EphemeralStore,
    private readonly totp: TotpService,
    private readonly users: UsersService,
    private readonly lockout: LoginLockout,
    private readonly audit: AuditService,
  ) {}

  async begin(user: User, style: LoginStyle): Promise<MfaChallengeView> {
    const mfaToken = randomBytes(32).toString('base64url');
    const pending: Pending = { userId: user.id, email: user.email, style };
    await this.store.put(keyOf(mfaToken), JSON.stringify(pending), TOKEN_TTL_MS);
    return { mfaRequired: true, mfaToken, methods: ['totp', 'recovery_code'] };
  }

  async complete(step: SecondStep, client: ClientInfo): Promise<CompletedSignIn> {
    const key = keyOf(step.mfaToken);
    const raw = await this.store.get(key);
    if (!raw) throw refused();
    const pending = JSON.parse(raw) as Pending;
    const lockedFor = await this.lockout.lockedFor(pending.email);
    if (lockedFor > 0) throw new DomainError('LOCKED', TOO_MANY_ATTEMPTS, lockedFor);
    const method: SignInMethod = step.code !== undefined ? 'password+totp' : 'recovery_code';
    const ok =
      step.code !== undefined
        ? await this.totp.verifyCode(pending.userId, step.code)
        : await this.totp.useRecoveryCode(pending.userId, step.recoveryCode ?? '');
    if (!ok) {
      await this.fail(key, pending, method, client);
      throw refused();
    }
    // Single use: of two requests with right codes, one takes the pending sign-in.
    if ((await this.store.take(key)) === null) throw refused();
    const user = await this.users.findById(pending.userId);
    if (!user) throw refused();
    await this.lockout.recordSuccess(pending.email);
    return { user, style: pending.style, method };
  }

  private async fail(key: string, pending: Pending, method: SignInMethod, client: ClientInfo): Promise<void> {
    const wrong = await this.store.increment(key);
    if (wrong === null || wrong >= MAX_WRONG_CODES) await this.store.delete(key);
    const locks = await this.lockout.recordFailure(pending.email);
    const event = {
      userId: pending.userId,
      ...client,
      detail: { method: method === 'recovery_code' ? 'recovery_code' : 'totp' },
    };
    await this.audit.record({ type: 'mfa.failure', ...event });
    if (locks) await this.audit.record({ type: 'login.locked', ...event });
  }
}
