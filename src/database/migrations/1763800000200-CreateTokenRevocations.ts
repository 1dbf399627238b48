import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

export class CreateTokenRevocations1763800000200 implements MigrationInterface {
  name = 'CreateTokenRevocations1763800000200';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'token_revocations',
        columns: [
          { name: 'kind', type: 'varchar', length: '8', isPrimary: true },
          { name: 'key', type: 'varchar', length: '255', isPrimary: true },
          { name: 'cutoffMs', type: 'bigint', isNullable: true },
          { name: 'expiresAt', type: 'bigint' },
        ],
        // The periodic purge deletes by expiry.
        indices: [{ name: 'IDX_token_revocations_expiresAt', columnNames: ['expiresAt'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('token_revocations');
  }
}
