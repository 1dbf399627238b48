import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes } from '../column-types.js';

export class CreateAuthSessions1763800000150 implements MigrationInterface {
  name = 'CreateAuthSessions1763800000150';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_sessions',
        columns: [
          { name: 'id', type: 'varchar', length: '36', isPrimary: true },
          { name: 'userId', type: 'varchar', length: '36' },
          { name: 'kind', type: 'varchar', length: '10' },
          { name: 'createdAt', type: t.timestamp, default: t.now },
          { name: 'lastSeenAt', type: t.timestamp },
          { name: 'expiresAt', type: t.timestamp },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'userAgent', type: 'varchar', length: '512', isNullable: true },
          { name: 'revokedAt', type: t.timestamp, isNullable: true },
          { name: 'storeSid', type: 'varchar', length: '128', isNullable: true },
        ],
      }),
    );
    await queryRunner.createIndex('auth_sessions', new TableIndex({ columnNames: ['userId', 'revokedAt'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_sessions');
  }
}
