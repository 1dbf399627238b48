import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * A user's TOTP secret, sealed (AES-256-GCM, see secret-box.ts): never stored or logged in clear.
 * `confirmedAt` null is an enrolment waiting for its first code; a new enrolment replaces it.
 */
@Entity({ name: 'mfa_totp' })
export class TotpCredential {
  @PrimaryColumn({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 255 })
  sealedSecret!: string;

  @Column({ type: Date, nullable: true })
  confirmedAt!: Date | null;

  @CreateDateColumn()
  createdAt!: Date;
}
