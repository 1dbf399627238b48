import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';

/** PostgreSQL hands `bigint` back as a string (it may exceed 2^53); epoch milliseconds never do. */
const epochMs: ValueTransformer = {
  to: (value: number) => value,
  from: (value: string | number) => Number(value),
};

/**
 * One session of the embedded store. The store reads and writes it with plain
 * SQL (see `EmbeddedSessionStore`); the entity is here so the schema has one description that
 * TypeORM checks against the migration.
 */
@Entity({ name: 'http_sessions' })
export class HttpSession {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  sid!: string;

  /** The session as JSON, with its cookie expiry, as the session transport hands it to the store. */
  @Column({ type: 'text' })
  data!: string;

  /**
   * Epoch milliseconds: a plain number compares the same on both drivers, with no time-zone
   * conversion between a JS `Date`, SQLite's text dates and PostgreSQL's `timestamp`.
   */
  @Index('IDX_http_sessions_expiresAt')
  @Column({ type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
