import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class CreateEphemeralEntries1763800001800 implements MigrationInterface {
  name = 'CreateEphemeralEntries1763800001800';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'ephemeral_entries',
        columns: [
          { name: 'key', type: 'varchar', length: '255', isPrimary: true },
          { name: 'value', type: 'text' },
          { name: 'counter', type: 'integer', default: 0 },
          { name: 'expiresAt', type: 'bigint' },
        ],
        // The periodic purge deletes by expiry.
        indices: [{ name: 'IDX_ephemeral_entries_expiresAt', columnNames: ['expiresAt'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('ephemeral_entries');
  }
}
