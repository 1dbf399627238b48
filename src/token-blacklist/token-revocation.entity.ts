import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';

export type RevocationKind = 'jti' | 'sid' | 'user';

/** pg returns `bigint` as a string (it may exceed 2^53); ours are epoch ms, always safe integers. */
const epochMs: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | number | null) => (value === null ? null : Number(value)),
};

/**
 * One revoked access token (`jti`), session (`sid`) or per-user cut-off (`user`), kept until
 * `expiresAt` and purged after it. Times are epoch ms in `bigint`: exact, and compared the same way
 * on SQLite and PostgreSQL without timestamp or time-zone conversions.
 */
@Entity({ name: 'token_revocations' })
export class TokenRevocation {
  @PrimaryColumn({ type: 'varchar', length: 8 })
  kind!: RevocationKind;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key!: string;

  /** Only for `user`: tokens issued at or before this instant are refused. */
  @Column({ type: 'bigint', nullable: true, transformer: epochMs })
  cutoffMs!: number | null;

  @Index('IDX_token_revocations_expiresAt')
  @Column({ type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
