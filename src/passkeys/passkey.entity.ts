import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** A WebAuthn credential (a passkey) registered by a user. */
@Entity({ name: 'passkeys' })
export class Passkey {
  /** Our public handle (the `:id` of the routes), not the credential id. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('IDX_passkeys_userId')
  @Column({ type: 'uuid' })
  userId!: string;

  /** The authenticator's credential id, base64url: how an assertion names its key. */
  @Index('UQ_passkeys_credentialId', { unique: true })
  @Column({ type: 'varchar', length: 1400 })
  credentialId!: string;

  /** COSE public key, base64url. */
  @Column({ type: 'text' })
  publicKey!: string;

  /** The signature counter last seen (0 for authenticators that do not count). */
  @Column({ type: 'bigint', transformer: { to: (v: number) => v, from: (v: string | number) => Number(v) } })
  counter!: number;

  @Column({ type: 'simple-array', nullable: true })
  transports!: string[] | null;

  @Column({ type: 'varchar', length: 100 })
  name!: string;

  @CreateDateColumn()
  createdAt!: Date;

  @Column({ type: Date, nullable: true })
  lastUsedAt!: Date | null;
}
