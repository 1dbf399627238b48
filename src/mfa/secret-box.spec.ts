import { SecretBox } from './secret-box.js';
import { hashRecoveryCode, newRecoveryCode, normalizeRecoveryCode } from './recovery-codes.js';

const A = 'a'.repeat(32);
const B = 'b'.repeat(40);

describe('SecretBox (AES-256-GCM at rest)', () => {
  it('opens what it sealed, for the same owner only; the sealed form never holds the plain text', () => {
    const box = new SecretBox([A]);
    const sealed = box.seal('JBSWY3DPEHPK3PXP', 'user-1');
    expect(sealed).not.toContain('JBSWY3DPEHPK3PXP');
    expect(sealed).toMatch(/^v1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(box.open(sealed, 'user-1')).toBe('JBSWY3DPEHPK3PXP');
    expect(box.open(sealed, 'user-2')).toBeNull();
    // A fresh IV each time: the same secret never seals the same way twice.
    expect(box.seal('JBSWY3DPEHPK3PXP', 'user-1')).not.toBe(sealed);
  });

  it('refuses a tampered ciphertext or tag, and garbage', () => {
    const box = new SecretBox([A]);
    const [v, iv, body, tag] = box.seal('secret', 'u').split('.') as [string, string, string, string];
    const flip = (s: string): string => (s[0] === 'A' ? 'B' : 'A') + s.slice(1);
    expect(box.open([v, iv, flip(body), tag].join('.'), 'u')).toBeNull();
    expect(box.open([v, iv, body, flip(tag)].join('.'), 'u')).toBeNull();
    expect(box.open('v2.x.y.z', 'u')).toBeNull();
    expect(box.open('', 'u')).toBeNull();
  });

  it('rotates: a new first key seals, the old one still opens; a box without the key cannot', () => {
    const sealedWithA = new SecretBox([A]).seal('secret', 'u');
    const rotated = new SecretBox([B, A]);
    expect(rotated.open(sealedWithA, 'u')).toBe('secret');
    expect(new SecretBox([A]).open(rotated.seal('secret', 'u'), 'u')).toBeNull();
    expect(new SecretBox([B]).open(sealedWithA, 'u')).toBeNull();
  });
});

describe('recovery codes', () => {
  it('are 16 Crockford base32 symbols in groups of four, read back whatever the case, spaces, dashes or I/L/O', () => {
    const code = newRecoveryCode();
    expect(code).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
    expect(hashRecoveryCode(code.toLowerCase().replace(/-/g, ' '))).toBe(hashRecoveryCode(code));
    expect(normalizeRecoveryCode('ol1i-')).toBe('0111');
    expect(new Set(Array.from({ length: 50 }, newRecoveryCode)).size).toBe(50);
  });
});
