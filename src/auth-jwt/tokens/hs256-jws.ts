import { createHmac, type KeyObject, timingSafeEqual } from 'node:crypto';

/**
 * Verification of a compact JWS with `alg: "HS256"` (RFC 7515, RFC 7518 §3.2), on node:crypto.
 *
 * Why this exists: on the Bearer hot path, jsonwebtoken behind @nestjs/jwt spends most of its time
 * around the HMAC rather than in it (options merged and validated, the token decoded twice):
 * measured with `bench/micro.ts`, verifying here costs about a third. The caller has already read
 * the header, pinned `alg` to the configured HS256 and picked the key by `kid`; it checks the
 * claims after. Signing still goes through @nestjs/jwt.
 */

/** Three base64url parts, no padding; HMAC-SHA256 is 32 bytes: exactly 43 characters. */
const SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/;

/** The parsed payload of a token whose HMAC-SHA256 under `secret` is right, else undefined. */
export function verifyHs256(token: string, secret: KeyObject): unknown {
  if (!SHAPE.test(token)) return undefined;
  const dot2 = token.lastIndexOf('.');
  const expected = createHmac('sha256', secret).update(token.slice(0, dot2)).digest('base64url');
  // Compared as base64url text, in constant time, as jws does: another spelling of the same bytes
  // (the unused low bits of the last character set) is refused too.
  if (!timingSafeEqual(Buffer.from(expected), Buffer.from(token.slice(dot2 + 1)))) return undefined;
  try {
    return JSON.parse(Buffer.from(token.slice(token.indexOf('.') + 1, dot2), 'base64url').toString('utf8')) as unknown;
  } catch {
    return undefined;
  }
}
