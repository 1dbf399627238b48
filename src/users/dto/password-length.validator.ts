import { ValidatorConstraint, type ValidatorConstraintInterface } from 'class-validator';

export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

/** Counts code points, not UTF-16 units, so an emoji is one character (NIST SP 800-63B §5.1.1.2). */
@ValidatorConstraint({ name: 'passwordLength' })
export class PasswordLength implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const length = [...value].length;
    return length >= PASSWORD_MIN && length <= PASSWORD_MAX;
  }

  defaultMessage(): string {
    return `password must be between ${PASSWORD_MIN} and ${PASSWORD_MAX} characters`;
  }
}
