import { createHash, randomBytes } from 'node:crypto';

export const RECOVERY_CODE_COUNT = 10;

/** Crockford's base32 alphabet: no I, L, O or U to misread. */
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** A code of 16 symbols (80 random bits), shown as `XXXX-XXXX-XXXX-XXXX`. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(16);
  let code = '';
  for (const b of bytes) code += ALPHABET[b & 31];
  return code.match(/.{4}/g)!.join('-');
}

/** Case, spaces and dashes do not matter when a code is typed back; I/L read as 1 and O as 0. */
export function normalizeRecoveryCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

export const hashRecoveryCode = (input: string): string =>
  createHash('sha256').update(normalizeRecoveryCode(input)).digest('hex');
