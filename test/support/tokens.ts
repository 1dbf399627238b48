import { createHmac, sign as cryptoSign, type KeyObject } from 'node:crypto';

const b64 = (v: unknown): string => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');

export const decodePart = (token: string, index: 0 | 1): Record<string, unknown> =>
  JSON.parse(Buffer.from(token.split('.')[index]!, 'base64url').toString('utf8')) as Record<string, unknown>;

/** A JWS made by hand, as an attacker would: any header, any payload, HMAC-SHA256 with any key. */
export function forgeHs256(header: unknown, payload: unknown, key: string | Buffer): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}

/** Signs with an asymmetric private key (RS256, ES256 as raw r||s, EdDSA). */
export function forgeAsymmetric(header: { alg: string }, payload: unknown, key: KeyObject): string {
  const input = `${b64(header)}.${b64(payload)}`;
  const algo = header.alg === 'EdDSA' ? null : 'sha256';
  const sig = cryptoSign(algo, Buffer.from(input), header.alg === 'ES256' ? { key, dsaEncoding: 'ieee-p1363' } : key);
  return `${input}.${sig.toString('base64url')}`;
}

export const unsigned = (header: unknown, payload: unknown): string => `${b64(header)}.${b64(payload)}.`;
