import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export const ROLES = ['user', 'admin'] as const;
export type Role = (typeof ROLES)[number];

@Entity({ name: 'users' })
export class User {
  @PrimaryGeneratedColumn('uuid')
  id!: string;

  /** Stored normalised (NFC, trimmed, lower-cased): the unique index then covers every spelling. */
  @Column({ type: 'varchar', length: 320, unique: true })
  email!: string;

  /** argon2id PHC string. `select: false` keeps it out of every query that does not ask for it. */
  @Column({ type: 'varchar', length: 255, select: false })
  passwordHash!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  displayName!: string | null;

  @Column({ type: 'simple-array' })
  roles!: Role[];

  /** Proved by a mailed token (or a password reset, which proves the same mailbox). */
  @Column({ type: 'boolean', default: false })
  emailVerified!: boolean;

  /** TOTP confirmed: a password alone no longer signs in (src/mfa). */
  @Column({ type: 'boolean', default: false })
  mfaEnabled!: boolean;

  /** The last successful sign-in, for admins. */
  @Column({ type: Date, nullable: true })
  lastLoginAt!: Date | null;

  @CreateDateColumn()
  createdAt!: Date;

  @UpdateDateColumn()
  updatedAt!: Date;
}
