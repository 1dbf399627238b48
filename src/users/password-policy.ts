import { registerDecorator, type ValidationArguments } from 'class-validator';
import { isCommonPassword } from './common-passwords.js';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

// Any space separator (U+00A0, U+2003, U+3000...) is U+0020 (RFC 8265 §4.2.1, width mapping aside).
const NON_ASCII_SPACE = /(?!\u0020)\p{Zs}/gu;
// Control characters (Cc) are disallowed by the PRECIS FreeformClass (RFC 8264 §9.11).
const CONTROL = /\p{Cc}/u;

/**
 * A password as RFC 8265 §4.2 ("OpaqueString") prepares and enforces it, the one form that is
 * hashed and compared: non-ASCII spaces mapped to U+0020, then NFC, so a password typed composed
 * (é) or decomposed (e + U+0301) is one password. Not NFKC, which would fold distinct characters
 * (`ﬁ` into `fi`, `²` into `2`) and so shrink the password space. Used at registration, at login
 * and by every code that sets a password.
 */
export function normalizePassword(password: string): string {
  return password.replace(NON_ASCII_SPACE, ' ').normalize('NFC');
}

/**
 * Why a new password is refused, or undefined when it is acceptable: unpaired UTF-16 surrogates
 * (they would become U+FFFD on their way to UTF-8, so two different passwords would hash alike),
 * control characters, a length outside 12–128 characters counted in code points after
 * normalisation (NIST SP 800-63B §5.1.1.2; never truncated), and the commonly used passwords
 * (§5.1.1.2 again). A login checks none of this: it must not reveal which rule a stored password
 * would break. Sign-up, change and reset all go through it (`IsPassword`).
 */
export function passwordProblem(password: unknown): string | undefined {
  if (typeof password !== 'string') return 'password must be a string';
  if (!password.isWellFormed()) return 'password must not contain unpaired surrogates';
  const normalized = normalizePassword(password);
  if (CONTROL.test(normalized)) return 'password must not contain control characters';
  const length = [...normalized].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX)
    return `password must be between ${PASSWORD_MIN} and ${PASSWORD_MAX} characters`;
  if (isCommonPassword(normalized)) return 'password is one of the most commonly used passwords; choose another';
  return undefined;
}

/** The class-validator form of `passwordProblem`, for every DTO that carries a new password. */
export function IsPassword(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'isPassword',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => passwordProblem(value) === undefined,
        defaultMessage: (args?: ValidationArguments) => passwordProblem(args?.value) ?? 'password is invalid',
      },
    });
}
