import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * One single-use recovery code, kept only as the SHA-256 of its normalised form: the codes carry
 * 80 random bits each, so a fast hash is enough (nothing to brute-force, unlike a password).
 */
@Entity({ name: 'mfa_recovery_codes' })
@Index('UQ_mfa_recovery_codes_user_hash', ['userId', 'codeHash'], { unique: true })
export class RecoveryCode {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 64 })
  codeHash!: string;

  @Column({ type: Date, nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn()
  createdAt!: Date;
}
