import { Column, Entity, Index, PrimaryColumn, type ValueTransformer } from 'typeorm';

/** pg returns `bigint` as a string; ours are epoch ms, always safe integers. */
const epochMs: ValueTransformer = {
  to: (value: number | undefined) => value,
  from: (value: string | number) => Number(value),
};

/** One entry of the embedded `EphemeralStore`, live until `expiresAt` (epoch ms), purged after it. */
@Entity({ name: 'ephemeral_entries' })
export class EphemeralEntry {
  @PrimaryColumn({ type: 'varchar', length: 255 })
  key!: string;

  @Column({ type: 'text' })
  value!: string;

  @Column({ type: 'integer', default: 0 })
  counter!: number;

  @Index('IDX_ephemeral_entries_expiresAt')
  @Column({ type: 'bigint', transformer: epochMs })
  expiresAt!: number;
}
