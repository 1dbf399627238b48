import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';

/** The embedded session store's table (`src/session-store/http-session.entity.ts`). */
export class CreateHttpSessions1763800000100 implements MigrationInterface {
  name = 'CreateHttpSessions1763800000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.createTable(
      new Table({
        name: 'http_sessions',
        columns: [
          { name: 'sid', type: 'varchar', length: '128', isPrimary: true },
          { name: 'data', type: 'text' },
          { name: 'expiresAt', type: 'bigint' },
        ],
        // The purge deletes by expiry; without the index it would scan every session.
        indices: [{ name: 'IDX_http_sessions_expiresAt', columnNames: ['expiresAt'] }],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('http_sessions');
  }
}
