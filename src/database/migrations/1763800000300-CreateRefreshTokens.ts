import { type MigrationInterface, type QueryRunner, Table } from 'typeorm';
import { columnTypes } from '../column-types.js';

export class CreateRefreshTokens1763800000300 implements MigrationInterface {
  name = 'CreateRefreshTokens1763800000300';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    await queryRunner.createTable(
      new Table({
        name: 'refresh_tokens',
        columns: [
          // The service generates ids, so no database default (and no uuid extension on PostgreSQL).
          { name: 'id', type: t.uuid, isPrimary: true },
          { name: 'tokenHash', type: 'varchar', length: '64' },
          { name: 'familyId', type: 'varchar', length: '64' },
          { name: 'parentId', type: t.uuid, isNullable: true },
          { name: 'userId', type: t.uuid },
          { name: 'expiresAt', type: t.timestamp },
          { name: 'usedAt', type: t.timestamp, isNullable: true },
          { name: 'revokedAt', type: t.timestamp, isNullable: true },
          { name: 'createdAt', type: t.timestamp, default: t.now },
        ],
        indices: [
          { name: 'UQ_refresh_tokens_tokenHash', columnNames: ['tokenHash'], isUnique: true },
          { name: 'IDX_refresh_tokens_familyId', columnNames: ['familyId'] },
          { name: 'IDX_refresh_tokens_userId', columnNames: ['userId'] },
          { name: 'IDX_refresh_tokens_expiresAt', columnNames: ['expiresAt'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('refresh_tokens');
  }
}
