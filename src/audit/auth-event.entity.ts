import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

export const AUTH_EVENT_TYPES = [
  'login.success',
  'login.failure',
  'login.locked',
  'logout',
  'session.revoked',
  'refresh.rotated',
  'refresh.reuse_detected',
  'user.forced_logout',
  'user.deleted',
  'mfa.enabled',
  'mfa.disabled',
  'mfa.failure',
  'passkey.added',
  'passkey.removed',
  'password.changed',
  'password.reset',
  'email.verified',
  'user.roles_changed',
  'user.unlocked',
] as const;
export type AuthEventType = (typeof AUTH_EVENT_TYPES)[number];

/** One security-relevant event. Never a password, a token, a cookie or a hash. */
@Entity({ name: 'auth_events' })
@Index(['userId', 'id'])
@Index(['createdAt'])
export class AuthEvent {
  /** Increasing: newest first is `id` descending, and a cursor is the last id seen. */
  @PrimaryGeneratedColumn('increment')
  id!: number;

  @Column({ type: 'varchar', length: 40 })
  type!: AuthEventType;

  /** The account the event is about (null for a failed login on an unknown email). */
  @Column({ type: 'varchar', length: 36, nullable: true })
  userId!: string | null;

  /** Who caused it, when not the user: an admin's id for a forced logout or a deletion. */
  @Column({ type: 'varchar', length: 36, nullable: true })
  actorId!: string | null;

  @Column({ type: 'varchar', length: 36, nullable: true })
  sessionId!: string | null;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  /** Small structured detail: the login style, why a session ended, the keyed hash of an unknown email a failed login named (never its text). */
  @Column({ type: 'simple-json', nullable: true })
  detail!: Record<string, string> | null;

  @CreateDateColumn()
  createdAt!: Date;
}
