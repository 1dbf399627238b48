import { calculateThumbprint, generateKeyPair, generateProof, type KeyPair } from 'dpop';
import { exportJWK, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { PASSWORD } from './http.js';

/**
 * DPoP clients for the tests. Proofs are made by the `dpop` package (panva's RFC 9449 client
 * library), never by the server's own code; `craftProof` (jose) makes the malformed or hostile
 * ones a client library refuses to make.
 */

/** The public origin the test apps are configured with (APP_URL), as a client behind a proxy sees it. */
export const ORIGIN = 'https://auth.example.test';

export const newKeys = (alg: 'ES256' | 'Ed25519' | 'RS256' | 'PS256' = 'ES256'): Promise<KeyPair> =>
  generateKeyPair(alg, { extractable: true });

export const thumbprint = (keys: KeyPair): Promise<string> => calculateThumbprint(keys.publicKey);

export function proof(
  keys: KeyPair,
  method: string,
  path: string,
  opts: { token?: string; nonce?: string } = {},
): Promise<string> {
  return generateProof(keys, ORIGIN + path, method, opts.nonce, opts.token);
}

/** A proof with any header and claims, signed with the key pair (or not at all with alg none). */
export async function craftProof(
  keys: KeyPair,
  claims: Record<string, unknown>,
  header: Record<string, unknown> = {},
): Promise<string> {
  const jwk = await exportJWK(keys.publicKey);
  const fullHeader = { alg: 'ES256', typ: 'dpop+jwt', jwk, ...header };
  const payload = { jti: randomUUID(), iat: Math.floor(Date.now() / 1000), ...claims };
  if (fullHeader.alg === 'none') {
    const b64 = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString('base64url');
    return `${b64(fullHeader)}.${b64(payload)}.`;
  }
  return new SignJWT(payload).setProtectedHeader(fullHeader).sign(keys.privateKey);
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: string;
}

export async function dpopLogin(http: App, email: string, keys: KeyPair, nonce?: string): Promise<TokenPair> {
  const res = await request(http)
    .post('/auth/jwt/login')
    .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login', { nonce }))
    .send({ email, password: PASSWORD })
    .expect(200);
  return res.body as TokenPair;
}

/** `GET path` with `Authorization: DPoP` and a fresh proof (or the one given). */
export async function dpopGet(
  http: App,
  path: string,
  token: string,
  keys: KeyPair,
  opts: { proof?: string; nonce?: string } = {},
): Promise<request.Response> {
  return request(http)
    .get(path)
    .set('Authorization', `DPoP ${token}`)
    .set('DPoP', opts.proof ?? (await proof(keys, 'GET', path, { token, nonce: opts.nonce })));
}
