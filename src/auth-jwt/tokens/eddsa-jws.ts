import { type KeyObject, sign, verify } from 'node:crypto';

/**
 * Compact JWS with `alg: "EdDSA"` (RFC 8037 §3.1, Ed25519), on node:crypto.
 *
 * Why this exists: jsonwebtoken 9 — the library under both @nestjs/jwt and passport-jwt — knows no
 * EdDSA at all (`"algorithm" must be a valid string enum value` when signing, `Unknown key type
 * "ed25519"` when verifying), and neither does its jws/jwa layer. HS256, RS256 and ES256 go through
 * @nestjs/jwt; EdDSA takes this path. It is small because Ed25519 has no parameters to get wrong:
 * one curve, no hash choice, a fixed 64-byte signature.
 */

const b64json = (value: object): string => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

/** An Ed25519 signature is 64 bytes: exactly 86 base64url characters, nothing else accepted. */
const SIGNATURE = /^[A-Za-z0-9_-]{86}$/;

export function signEdDsa(header: object, payload: object, privateKey: KeyObject): string {
  const input = `${b64json(header)}.${b64json(payload)}`;
  return `${input}.${sign(null, Buffer.from(input, 'utf8'), privateKey).toString('base64url')}`;
}

/**
 * Checks the signature of a three-part compact JWS and returns its parsed payload, or undefined.
 * The caller has already read the header, pinned its `alg` and chosen `publicKey` by its `kid`;
 * the claims are checked by the caller too.
 */
export function verifyEdDsa(token: string, publicKey: KeyObject): unknown {
  const dot1 = token.indexOf('.');
  const dot2 = token.indexOf('.', dot1 + 1);
  if (dot1 <= 0 || dot2 <= dot1 + 1) return undefined;
  const signature = token.slice(dot2 + 1);
  if (!SIGNATURE.test(signature)) return undefined;
  const input = Buffer.from(token.slice(0, dot2), 'utf8');
  if (!verify(null, input, publicKey, Buffer.from(signature, 'base64url'))) return undefined;
  try {
    return JSON.parse(Buffer.from(token.slice(dot1 + 1, dot2), 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
