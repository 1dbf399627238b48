import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;

/** A 256-bit AES key per configured secret (HKDF-SHA256, RFC 5869), whatever the secret's form. */
const deriveKey = (secret: string): Buffer =>
  Buffer.from(hkdfSync('sha256', secret, 'nest-dual-auth', 'totp-secret-at-rest v1', 32));

/**
 * Seals small secrets (TOTP keys) for storage: AES-256-GCM with a random 96-bit IV, the owner's id as
 * associated data (a row copied onto another user does not open), `v1.iv.ciphertext.tag` in
 * base64url. The first key seals; every key is tried when opening, so `MFA_ENCRYPTION_KEY` rotates.
 */
export class SecretBox {
  private readonly keys: Buffer[];

  constructor(secrets: readonly string[]) {
    if (secrets.length === 0) throw new Error('SecretBox needs a key');
    this.keys = secrets.map(deriveKey);
  }

  seal(plain: string, owner: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys[0]!, iv);
    cipher.setAAD(Buffer.from(owner, 'utf8'));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return [VERSION, iv, body, cipher.getAuthTag()]
      .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
      .join('.');
  }

  /** The plain text, or null when no key opens it (tampered, another owner, an unknown key). */
  open(sealed: string, owner: string): string | null {
    const [version, iv, body, tag] = sealed.split('.');
    if (version !== VERSION || !iv || body === undefined || !tag) return null;
    for (const key of this.keys) {
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
        decipher.setAAD(Buffer.from(owner, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
      } catch {
        // Not this key: try the next.
      }
    }
    return null;
  }
}
