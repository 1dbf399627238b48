import { generateSecret, generateURI, verify } from 'otplib';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30 s steps (otplib's defaults). */
export const TOTP_PERIOD_SECONDS = 30;

/** One step either way (RFC 6238 §5.2: a step of clock drift or network delay). */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;

/** 160 random bits, base32 (RFC 4226 §4 recommends 160). */
export const newTotpSecret = (): string => generateSecret({ length: 20 });

/** The Key URI Format: label `issuer:account`, and the `issuer` parameter too. */
export const otpauthUri = (secret: string, issuer: string, account: string): string =>
  generateURI({ issuer, label: account, secret });

/**
 * The time step the code belongs to, or null when it is not valid now (within one step either way).
 * Replay (the same step twice) is the caller's to refuse, across instances.
 */
export async function totpStep(secret: string, code: string): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  const result = await verify({ secret, token: code, epochTolerance: TOLERANCE_SECONDS });
  // The functional API types HOTP and TOTP results together; a TOTP one carries its time step.
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
