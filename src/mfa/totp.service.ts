import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import QRCode from 'qrcode';
import { DataSource, IsNull, Not, type Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { DomainError } from '../common/errors.js';
import type { ClientInfo } from '../common/http/http-request.js';
import { mfaConfig } from '../config/config.js';
import { EphemeralStore } from '../ephemeral-store/ephemeral-store.js';
import { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { hashRecoveryCode, newRecoveryCode, RECOVERY_CODE_COUNT } from './recovery-codes.js';
import { SecretBox } from './secret-box.js';
import { newTotpSecret, otpauthUri, TOTP_PERIOD_SECONDS, totpStep } from './totp.js';
import { TotpCredential } from './totp-credential.entity.js';
import { RecoveryCode } from './recovery-code.entity.js';
import { insertRows } from '../database/insert.js';

export interface TotpEnrolmentView {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}

/** A step is claimed for as long as any instance would still accept its code: ±1 step, plus one for clock skew. */
const STEP_CLAIM_MS = 4 * TOTP_PERIOD_SECONDS * 1000;

/**
 * TOTP (RFC 6238) and recovery codes: enrolment, confirmation, removal, and the check of a code at
 * sign-in. Each TOTP code is accepted once: its time step is claimed in the shared store, so a code
 * seen by an attacker (shoulder, phishing proxy, log) is worthless on every instance.
 */
@Injectable()
export class TotpService {
  constructor(
    @InjectRepository(TotpCredential) private readonly totp: Repository<TotpCredential>,
    @InjectRepository(RecoveryCode) private readonly codes: Repository<RecoveryCode>,
    @InjectRepository(User) private readonly users: Repository<User>,
    @Inject(mfaConfig.KEY) private readonly config: ConfigType<typeof mfaConfig>,
    private readonly box: SecretBox,
    private readonly store: EphemeralStore,
    private readonly audit: AuditService,
    private readonly db: DataSource,
    private readonly usersService: UsersService,
  ) {}

  /** A new pending secret (replacing any earlier pending one); shown this once, stored sealed. */
  async enrol(userId: string): Promise<TotpEnrolmentView> {
    const user = await this.user(userId);
    if (user.mfaEnabled) throw new DomainError('CONFLICT', 'The second factor is already on');
    const secret = newTotpSecret();
    await this.totp.save({ userId, sealedSecret: this.box.seal(secret, userId), confirmedAt: null });
    const uri = otpauthUri(secret, this.config.rpName, user.email);
    const qrCodeSvg = await QRCode.toString(uri, { type: 'svg', errorCorrectionLevel: 'M', margin: 4 });
    return { secret, otpauthUri: uri, qrCodeSvg };
  }

  /** A valid code of the pending secret turns the second factor on; returns the recovery codes, shown once. */
  async confirm(userId: string, code: string, client: ClientInfo): Promise<string[]> {
    const user = await this.user(userId);
    if (user.mfaEnabled) throw new DomainError('CONFLICT', 'The second factor is already on');
    const pending = await this.totp.findOneBy({ userId, confirmedAt: IsNull() });
    const secret = pending && this.box.open(pending.sealedSecret, userId);
    if (!secret) throw new DomainError('INVALID_INPUT', 'No TOTP enrolment is pending');
    // The code that confirms enrolment counts as used (api.md).
    if (!(await this.acceptOnce(userId, secret, code))) throw new DomainError('INVALID_INPUT', 'Wrong code');
    const recoveryCodes = await this.usersService.transaction(userId, async (m) => {
      await m.update(TotpCredential, { userId }, { confirmedAt: new Date() });
      await m.update(User, { id: userId }, { mfaEnabled: true });
      return this.replaceCodes(userId, m.getRepository(RecoveryCode));
    });
    await this.audit.record({ type: 'mfa.enabled', userId, ...client, detail: { method: 'totp' } });
    return recoveryCodes;
  }

  /** The second factor and its recovery codes are gone. */
  async disable(userId: string, client: ClientInfo): Promise<void> {
    const wasOn = (await this.user(userId)).mfaEnabled;
    await this.usersService.transaction(userId, async (m) => {
      await m.delete(TotpCredential, { userId });
      await m.delete(RecoveryCode, { userId });
      await m.update(User, { id: userId }, { mfaEnabled: false });
    });
    if (wasOn) await this.audit.record({ type: 'mfa.disabled', userId, ...client, detail: { method: 'totp' } });
  }

  /** A new set; the old set stops working. */
  async newRecoveryCodes(userId: string): Promise<string[]> {
    if (!(await this.user(userId)).mfaEnabled) throw new DomainError('CONFLICT', 'The second factor is off');
    return this.db.transaction((m) => this.replaceCodes(userId, m.getRepository(RecoveryCode)));
  }

  /** Sign-in: a code of the confirmed secret, never accepted twice. */
  async verifyCode(userId: string, code: string): Promise<boolean> {
    const row = await this.totp.findOneBy({ userId, confirmedAt: Not(IsNull()) });
    const secret = row && this.box.open(row.sealedSecret, userId);
    return secret ? this.acceptOnce(userId, secret, code) : false;
  }

  /** Sign-in: an unused recovery code, spent by the one conditional update that wins. */
  async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    const result = await this.codes.update(
      { userId, codeHash: hashRecoveryCode(code), usedAt: IsNull() },
      { usedAt: new Date() },
    );
    return (result.affected ?? 0) === 1;
  }

  private async acceptOnce(userId: string, secret: string, code: string): Promise<boolean> {
    const step = await totpStep(secret, code);
    return step !== null && this.store.claim(`mfa:totp:${userId}:${step}`, STEP_CLAIM_MS);
  }

  private async replaceCodes(userId: string, repo: Repository<RecoveryCode>): Promise<string[]> {
    const plain = Array.from({ length: RECOVERY_CODE_COUNT }, newRecoveryCode);
    await repo.delete({ userId });
    await insertRows(
      repo,
      plain.map((c) => ({ id: randomUUID(), userId, codeHash: hashRecoveryCode(c), usedAt: null })),
    );
    return plain;
  }

  private async user(userId: string): Promise<User> {
    const user = await this.users.findOneBy({ id: userId });
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    return user;
  }
}
