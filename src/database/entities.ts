import { MailToken } from '../account/tokens/mail-token.entity.js';
import { AuthEvent } from '../audit/auth-event.entity.js';
import { EphemeralEntry } from '../ephemeral-store/ephemeral-entry.entity.js';
import { RefreshToken } from '../auth-jwt/refresh/refresh-token.entity.js';
import { HttpSession } from '../session-store/http-session.entity.js';
import { SessionRecord } from '../session-registry/session-record.entity.js';
import { TokenRevocation } from '../token-blacklist/token-revocation.entity.js';
import { RecoveryCode } from '../mfa/recovery-code.entity.js';
import { TotpCredential } from '../mfa/totp-credential.entity.js';
import { Passkey } from '../passkeys/passkey.entity.js';
import { User } from '../users/user.entity.js';

/** Every entity, listed once for both the app and the TypeORM CLI (no globbing under ESM). */
export const entities = [
  User,
  SessionRecord,
  HttpSession,
  TokenRevocation,
  RefreshToken,
  AuthEvent,
  EphemeralEntry,
  TotpCredential,
  RecoveryCode,
  Passkey,
  MailToken,
];
