import { Inject, Injectable, Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type PublicKeyCredentialCreationOptionsJSON,
  type PublicKeyCredentialRequestOptionsJSON,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from '@simplewebauthn/server';
import { isoBase64URL } from '@simplewebauthn/server/helpers';
import { randomUUID } from 'node:crypto';
import type { Repository } from 'typeorm';
import { AuditService } from '../audit/audit.service.js';
import { isDependencyUnavailable } from '../common/dependency-failure.js';
import { DomainError } from '../common/errors.js';
import type { ClientInfo } from '../common/http/http-request.js';
import { mfaConfig } from '../config/config.js';
import { EphemeralStore } from '../ephemeral-store/ephemeral-store.js';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';
import { Passkey } from './passkey.entity.js';

export interface PasskeyView {
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
}

const CHALLENGE_TTL_MS = 5 * 60 * 1000;
const regKey = (userId: string, challenge: string): string => `passkey:reg:${userId}:${challenge}`;
const authKey = (challenge: string): string => `passkey:auth:${challenge}`;

const view = (p: Passkey): PasskeyView => ({
  id: p.id,
  name: p.name,
  createdAt: p.createdAt.toISOString(),
  lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
});

const refused = (): DomainError => new DomainError('INVALID_CREDENTIALS', 'Passkey not accepted');

/**
 * Passkeys (WebAuthn Level 3) through @simplewebauthn/server: the origin is APP_URL's, the RP id
 * WEBAUTHN_RP_ID; user verification is required, so a passkey alone is two factors (possession and
 * the device's PIN or biometrics) and satisfies the second factor. Every challenge is single-use
 * and lives 5 minutes in the shared store: it is taken (atomically deleted) while the response is
 * verified, so a replayed or raced response finds nothing, on any instance.
 */
@Injectable()
export class PasskeysService {
  private readonly logger = new Logger(PasskeysService.name);

  constructor(
    @InjectRepository(Passkey) private readonly passkeys: Repository<Passkey>,
    @Inject(mfaConfig.KEY) private readonly config: ConfigType<typeof mfaConfig>,
    private readonly store: EphemeralStore,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async registrationOptions(userId: string): Promise<PublicKeyCredentialCreationOptionsJSON> {
    const user = await this.user(userId);
    const existing = await this.passkeys.find({ where: { userId }, select: { credentialId: true, transports: true } });
    const options = await generateRegistrationOptions({
      rpName: this.config.rpName,
      rpID: this.config.rpId,
      userName: user.email,
      userDisplayName: user.displayName ?? user.email,
      // The user handle: the account id (random, no personal data), which a discoverable sign-in returns.
      userID: new TextEncoder().encode(user.id),
      attestationType: 'none',
      excludeCredentials: existing.map((p) => ({ id: p.credentialId, transports: p.transports ?? undefined })),
      authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
      timeout: CHALLENGE_TTL_MS,
    });
    await this.store.put(regKey(userId, options.challenge), '1', CHALLENGE_TTL_MS);
    return options;
  }

  async register(
    userId: string,
    credential: unknown,
    name: string | undefined,
    client: ClientInfo,
  ): Promise<PasskeyView> {
    const invalid = (): DomainError => new DomainError('INVALID_INPUT', 'The passkey response does not verify');
    let info;
    try {
      const result = await verifyRegistrationResponse({
        response: credential as RegistrationResponseJSON,
        expectedChallenge: async (challenge) => (await this.store.take(regKey(userId, challenge))) !== null,
        expectedOrigin: this.config.origin,
        expectedRPID: this.config.rpId,
        requireUserVerification: true,
      });
      if (!result.verified) throw invalid();
      info = result.registrationInfo;
    } catch (err) {
      throw this.domainOr(err, invalid);
    }
    const passkey = this.passkeys.create({
      id: randomUUID(),
      userId,
      credentialId: info.credential.id,
      publicKey: isoBase64URL.fromBuffer(info.credential.publicKey),
      counter: info.credential.counter,
      transports: info.credential.transports?.length ? info.credential.transports : null,
      name: name ?? 'Passkey',
      lastUsedAt: null,
    });
    if (await this.passkeys.existsBy({ credentialId: passkey.credentialId })) throw invalid();
    await this.passkeys.insert(passkey);
    await this.audit.record({ type: 'passkey.added', userId, ...client, detail: { passkeyId: passkey.id } });
    return view(passkey);
  }

  async list(userId: string): Promise<PasskeyView[]> {
    const rows = await this.passkeys.find({ where: { userId }, order: { createdAt: 'ASC' } });
    return rows.map(view);
  }

  async rename(userId: string, id: string, name: string): Promise<PasskeyView> {
    const row = await this.passkeys.findOneBy({ id, userId });
    if (!row) throw new DomainError('NOT_FOUND', 'No such passkey');
    await this.passkeys.update({ id, userId }, { name });
    return view({ ...row, name });
  }

  async remove(userId: string, id: string, client: ClientInfo): Promise<void> {
    const result = await this.passkeys.delete({ id, userId });
    if ((result.affected ?? 0) === 0) throw new DomainError('NOT_FOUND', 'No such passkey');
    await this.audit.record({ type: 'passkey.removed', userId, ...client, detail: { passkeyId: id } });
  }

  /** Options for a discoverable credential: no user named, the authenticator offers its passkeys. */
  async signInOptions(): Promise<PublicKeyCredentialRequestOptionsJSON> {
    const options = await generateAuthenticationOptions({
      rpID: this.config.rpId,
      userVerification: 'required',
      timeout: CHALLENGE_TTL_MS,
    });
    await this.store.put(authKey(options.challenge), '1', CHALLENGE_TTL_MS);
    return options;
  }

  /** The user a passkey assertion proves, or a 401. */
  async signIn(credential: unknown, client: ClientInfo): Promise<User> {
    const response = credential as AuthenticationResponseJSON;
    const passkey =
      typeof response?.id === 'string' ? await this.passkeys.findOneBy({ credentialId: response.id }) : null;
    if (!passkey) throw refused();
    let newCounter: number;
    try {
      const result = await verifyAuthenticationResponse({
        response,
        expectedChallenge: async (challenge) => (await this.store.take(authKey(challenge))) !== null,
        expectedOrigin: this.config.origin,
        expectedRPID: this.config.rpId,
        // The counter is checked below, after the signature, so that a regression is told apart and audited.
        credential: { id: passkey.credentialId, publicKey: isoBase64URL.toBuffer(passkey.publicKey), counter: 0 },
        requireUserVerification: true,
      });
      if (!result.verified) throw refused();
      newCounter = result.authenticationInfo.newCounter;
      const handle = response.response.userHandle;
      if (handle !== undefined && handle !== null && isoBase64URL.toUTF8String(handle) !== passkey.userId)
        throw refused();
    } catch (err) {
      throw this.domainOr(err, refused);
    }
    // WebAuthn L3 §6.1.1: a counter that does not grow means a cloned authenticator.
    if ((newCounter !== 0 || passkey.counter !== 0) && newCounter <= passkey.counter) {
      await this.audit.record({
        type: 'mfa.failure',
        userId: passkey.userId,
        ...client,
        detail: { method: 'passkey', reason: 'counter_regressed', passkeyId: passkey.id },
      });
      this.logger.warn(
        { userId: passkey.userId, passkeyId: passkey.id },
        'Passkey counter went backwards: possible clone',
      );
      throw refused();
    }
    const user = await this.users.findById(passkey.userId);
    if (!user) throw refused();
    await this.passkeys.update({ id: passkey.id }, { counter: newCounter, lastUsedAt: new Date() });
    return user;
  }

  /** A store or database failure stays what it is (a 503); anything the library refused is `fallback`. */
  private domainOr(err: unknown, fallback: () => DomainError): unknown {
    if (err instanceof DomainError || isDependencyUnavailable(err)) return err;
    return fallback();
  }

  private async user(userId: string): Promise<User> {
    const user = await this.users.findById(userId);
    if (!user) throw new DomainError('UNAUTHENTICATED', 'Unauthorized');
    return user;
  }
}
