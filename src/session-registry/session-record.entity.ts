import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

export const SESSION_KINDS = ['cookie', 'jwt'] as const;
export type SessionKind = (typeof SESSION_KINDS)[number];

/**
 * One row per login, of either style: a cookie session or a refresh-token family. `id` is the
 * public handle (a random uuid, never a credential): for a JWT session it is the `sid` claim.
 */
@Entity({ name: 'auth_sessions' })
@Index(['userId', 'revokedAt'])
export class SessionRecord {
  @PrimaryColumn({ type: 'varchar', length: 36 })
  id!: string;

  @Column({ type: 'varchar', length: 36 })
  userId!: string;

  @Column({ type: 'varchar', length: 10 })
  kind!: SessionKind;

  @CreateDateColumn()
  createdAt!: Date;

  @Column({ type: Date })
  lastSeenAt!: Date;

  /** The hard end: absolute timeout of a cookie session, refresh lifetime of a JWT family. */
  @Column({ type: Date })
  expiresAt!: Date;

  @Column({ type: 'varchar', length: 64, nullable: true })
  ip!: string | null;

  @Column({ type: 'varchar', length: 512, nullable: true })
  userAgent!: string | null;

  @Column({ type: Date, nullable: true })
  revokedAt!: Date | null;

  /**
   * The express-session id of a cookie session, to delete it from the store when the session is
   * ended from elsewhere. As secret as the cookie: never leaves the server.
   */
  @Column({ type: 'varchar', length: 128, nullable: true, select: false })
  storeSid!: string | null;
}
