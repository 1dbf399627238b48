import { isoCBOR } from '@simplewebauthn/server/helpers';
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';

/**
 * A software WebAuthn authenticator for the attack tests: an ES256 key made with node:crypto, and
 * attestation ('none') and assertion responses built by hand (CBOR from @simplewebauthn's own
 * helpers), so each rule of the relying party can be broken one at a time: the origin, the RP id,
 * the challenge, the key, the counter, user verification. @simplewebauthn ships no authenticator
 * for tests; the real browser path is proven with Chromium's virtual authenticator (test/browser).
 */
export interface SoftAuthenticatorOptions {
  origin: string;
  rpId: string;
}

export interface Tamper {
  origin?: string;
  rpId?: string;
  challenge?: string;
  /** Sign with this key instead of the credential's own. */
  signWith?: KeyObject;
  /** The signature counter to report (the next one by default). */
  counter?: number;
  /** Report user verification (default true). */
  userVerified?: boolean;
  type?: string;
}

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const sha256 = (b: Uint8Array | string): Buffer => createHash('sha256').update(b).digest();

const UP = 0x01;
const UV = 0x04;
const AT = 0x40;

export class SoftAuthenticator {
  readonly credentialId = randomBytes(32);
  private readonly keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  private counter = 0;
  userHandle?: string;

  constructor(private readonly options: SoftAuthenticatorOptions) {}

  get id(): string {
    return b64u(this.credentialId);
  }

  /** A PublicKeyCredential (JSON form) answering creation options. */
  create(options: { challenge: string; user: { id: string } }, tamper: Tamper = {}): Record<string, unknown> {
    this.userHandle = options.user.id;
    const clientDataJSON = this.clientData('webauthn.create', options.challenge, tamper);
    const jwk = this.keys.publicKey.export({ format: 'jwk' });
    const cose = new Map<number, number | Uint8Array>([
      [1, 2], // kty: EC2
      [3, -7], // alg: ES256
      [-1, 1], // crv: P-256
      [-2, Buffer.from(jwk.x!, 'base64url')],
      [-3, Buffer.from(jwk.y!, 'base64url')],
    ]);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(this.credentialId.length);
    const authData = Buffer.concat([
      this.authDataHead(tamper, AT, 0),
      Buffer.alloc(16), // aaguid
      idLength,
      this.credentialId,
      Buffer.from(isoCBOR.encode(cose)),
    ]);
    const attestationObject = isoCBOR.encode(
      new Map<string, unknown>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]) as never,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        attestationObject: b64u(attestationObject),
        transports: ['internal'],
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  /** A PublicKeyCredential (JSON form) answering request options; the counter grows by one each time. */
  get(options: { challenge: string }, tamper: Tamper = {}): Record<string, unknown> {
    const counter = tamper.counter ?? ++this.counter;
    const clientDataJSON = this.clientData('webauthn.get', options.challenge, tamper);
    const authenticatorData = this.authDataHead(tamper, 0, counter);
    const signature = sign(
      'sha256',
      Buffer.concat([authenticatorData, sha256(clientDataJSON)]),
      tamper.signWith ?? this.keys.privateKey,
    );
    return {
      id: this.id,
      rawId: this.id,
      type: 'public-key',
      response: {
        clientDataJSON: b64u(clientDataJSON),
        authenticatorData: b64u(authenticatorData),
        signature: b64u(signature),
        userHandle: this.userHandle,
      },
      clientExtensionResults: {},
      authenticatorAttachment: 'platform',
    };
  }

  private clientData(type: string, challenge: string, tamper: Tamper): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: tamper.type ?? type,
        challenge: tamper.challenge ?? challenge,
        origin: tamper.origin ?? this.options.origin,
        crossOrigin: false,
      }),
    );
  }

  private authDataHead(tamper: Tamper, extraFlags: number, counter: number): Buffer {
    const flags = UP | (tamper.userVerified === false ? 0 : UV) | extraFlags;
    const count = Buffer.alloc(4);
    count.writeUInt32BE(counter);
    return Buffer.concat([sha256(tamper.rpId ?? this.options.rpId), Buffer.from([flags]), count]);
  }
}

/** A key that belongs to no credential, to sign with. */
export const strangerKey = (): KeyObject => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
