import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { IsPassword, normalizePassword, passwordProblem } from './password-policy.js';

describe('password policy (RFC 8265 OpaqueString)', () => {
  it('normalises to NFC: composed and decomposed forms are one password', () => {
    expect(normalizePassword('caf\u00e9 au lait!!')).toBe('caf\u00e9 au lait!!');
    expect(normalizePassword('cafe\u0301 au lait!!')).toBe('caf\u00e9 au lait!!');
    expect(normalizePassword('\u1100\u1161\u11a8 x')).toBe('\uac01 x');
  });

  it('maps non-ASCII spaces to U+0020 and keeps compatibility characters (not NFKC)', () => {
    expect(normalizePassword('a\u00a0b\u3000c\u2003d')).toBe('a b c d');
    expect(normalizePassword('\ufb01 \u00b2 \uff41')).toBe('\ufb01 \u00b2 \uff41');
  });

  it.each([
    ['12 ASCII characters', 'abcdefghijkl'],
    ['128 characters', 'x'.repeat(128)],
    ['emoji counted as one character each', '😀'.repeat(12)],
    ['a decomposed form that stays 12 characters', 'e\u0301'.repeat(6) + 'abcdef'],
    ['a tab-free phrase with spaces', 'correct horse battery staple'],
  ])('accepts %s', (_, password) => {
    expect(passwordProblem(password)).toBeUndefined();
  });

  it.each<[string, unknown, RegExp]>([
    ['an unpaired high surrogate', 'correct horse\ud800 battery', /unpaired surrogates/],
    ['an unpaired low surrogate', 'correct horse\udc00 battery', /unpaired surrogates/],
    ['a reversed pair', 'correct horse \ude00\ud83d', /unpaired surrogates/],
    ['a NUL', 'correct horse\u0000battery', /control characters/],
    ['a tab', 'correct\thorse battery', /control characters/],
    ['a DEL', 'correct horse battery\u007f', /control characters/],
    ['a C1 control', 'correct horse battery\u0085', /control characters/],
    ['11 characters', 'abcdefghijk', /between 12 and 128/],
    ['129 characters', 'x'.repeat(129), /between 12 and 128/],
    ['12 characters that compose to 11', 'e\u0301' + 'abcdefghij', /between 12 and 128/],
    ['a number', 123456789012, /string/],
  ])('refuses %s', (_, password, why) => {
    expect(passwordProblem(password)).toMatch(why);
  });

  it('two passwords differing only in an unpaired surrogate cannot both be set', () => {
    // Both would reach argon2 as the same UTF-8 bytes (U+FFFD); now neither is accepted.
    expect(Buffer.from('correct horse\ud800 battery')).toEqual(Buffer.from('correct horse\udbff battery'));
    expect(passwordProblem('correct horse\ud800 battery')).toBeDefined();
    expect(passwordProblem('correct horse\udbff battery')).toBeDefined();
  });

  it('IsPassword() gives class-validator the same rule and message', async () => {
    class Dto {
      @IsPassword()
      password!: unknown;
    }
    const check = async (password: unknown) =>
      (await validate(plainToInstance(Dto, { password }))).flatMap((e) => Object.values(e.constraints ?? {}));
    await expect(check('correct horse battery staple')).resolves.toEqual([]);
    await expect(check('short')).resolves.toEqual(['password must be between 12 and 128 characters']);
    await expect(check('correct horse\u0000battery')).resolves.toEqual([
      'password must not contain control characters',
    ]);
  });
});
