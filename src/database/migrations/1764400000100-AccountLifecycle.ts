import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';
import { columnTypes } from '../column-types.js';

/** Issue 16: mailed tokens, and what admins see of an account (verified email, last sign-in; `mfaEnabled` comes with the second factor's migration). */
export class AccountLifecycle1764400000100 implements MigrationInterface {
  name = 'AccountLifecycle1764400000100';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    // `false` as each driver spells a boolean default, as TypeORM reads it back for the entity.
    const no = queryRunner.connection.driver.options.type === 'postgres' ? 'false' : '0';
    await queryRunner.addColumns('users', [
      new TableColumn({ name: 'emailVerified', type: 'boolean', default: no }),
      new TableColumn({ name: 'lastLoginAt', type: t.timestamp, isNullable: true }),
    ]);
    await queryRunner.createTable(
      new Table({
        name: 'mail_tokens',
        columns: [
          { name: 'id', type: t.uuid, isPrimary: true },
          { name: 'tokenHash', type: 'varchar', length: '64' },
          { name: 'userId', type: t.uuid },
          { name: 'purpose', type: 'varchar', length: '20' },
          { name: 'expiresAt', type: t.timestamp },
          { name: 'usedAt', type: t.timestamp, isNullable: true },
          { name: 'createdAt', type: t.timestamp, default: t.now },
        ],
        indices: [
          { name: 'UQ_mail_tokens_tokenHash', columnNames: ['tokenHash'], isUnique: true },
          { name: 'IDX_mail_tokens_userId', columnNames: ['userId'] },
          { name: 'IDX_mail_tokens_expiresAt', columnNames: ['expiresAt'] },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('mail_tokens');
    await queryRunner.dropColumn('users', 'lastLoginAt');
    await queryRunner.dropColumn('users', 'emailVerified');
  }
}
