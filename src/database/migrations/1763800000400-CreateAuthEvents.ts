import { type MigrationInterface, type QueryRunner, Table, TableIndex } from 'typeorm';
import { columnTypes } from '../column-types.js';

export class CreateAuthEvents1763800000400 implements MigrationInterface {
  name = 'CreateAuthEvents1763800000400';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'auth_events',
        columns: [
          { name: 'id', type: 'integer', isPrimary: true, isGenerated: true, generationStrategy: 'increment' },
          { name: 'type', type: 'varchar', length: '40' },
          { name: 'userId', type: 'varchar', length: '36', isNullable: true },
          { name: 'actorId', type: 'varchar', length: '36', isNullable: true },
          { name: 'sessionId', type: 'varchar', length: '36', isNullable: true },
          { name: 'ip', type: 'varchar', length: '64', isNullable: true },
          { name: 'userAgent', type: 'varchar', length: '512', isNullable: true },
          { name: 'detail', type: 'text', isNullable: true },
          { name: 'createdAt', type: t.timestamp, default: t.now },
        ],
      }),
    );
    await queryRunner.createIndex('auth_events', new TableIndex({ columnNames: ['userId', 'id'] }));
    await queryRunner.createIndex('auth_events', new TableIndex({ columnNames: ['createdAt'] }));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('auth_events');
  }
}
