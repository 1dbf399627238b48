import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export const MAIL_TOKEN_PURPOSES = ['password_reset', 'email_verify'] as const;
export type MailTokenPurpose = (typeof MAIL_TOKEN_PURPOSES)[number];

/**
 * A token sent by mail (password reset, email verification). Only its SHA-256 is stored, so a
 * leaked table yields nothing a client can present. Mirrors `1764400000100-AccountLifecycle.ts`.
 */
@Entity({ name: 'mail_tokens' })
export class MailToken {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Index('UQ_mail_tokens_tokenHash', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  tokenHash!: string;

  @Index('IDX_mail_tokens_userId')
  @Column({ type: 'uuid' })
  userId!: string;

  @Column({ type: 'varchar', length: 20 })
  purpose!: MailTokenPurpose;

  @Index('IDX_mail_tokens_expiresAt')
  @Column({ type: Date })
  expiresAt!: Date;

  /** Set by the one use that spends it. */
  @Column({ type: Date, nullable: true })
  usedAt!: Date | null;

  @CreateDateColumn()
  createdAt!: Date;
}
