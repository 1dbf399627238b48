import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** How a session signed in, shown in `GET /auth/sessions`. */
export const SIGN_IN_METHODS = ['password', 'password+totp', 'recovery_code', 'passkey'] as const;
export type SignInMethod = (typeof SIGN_IN_METHODS)[number];

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

  /** Which style made it ('cookie', 'jwt', or a kind another module registers: session-kind.ts). */
  @Column({ type: 'varchar', length: 10 })
  kind!: string;

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

  /** Null only for sessions opened before the column existed, which signed in with a password. */
  @Column({ type: 'varchar', length: 20, nullable: true })
  method!: SignInMethod | null;

  /**
   * The express-session id of a cookie session, to delete it from the store when the session is
   * ended from elsewhere. As secret as the cookie: never leaves the server.
   */
  @Column({ type: 'varchar', length: 128, nullable: true, select: false })
  storeSid!: string | null;
}
