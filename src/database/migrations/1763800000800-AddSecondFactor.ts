import { type MigrationInterface, type QueryRunner, Table, TableColumn } from 'typeorm';
import { columnTypes } from '../column-types.js';

/** TOTP, recovery codes, passkeys; `users.mfaEnabled`; how each session signed in. */
export class AddSecondFactor1763800000800 implements MigrationInterface {
  name = 'AddSecondFactor1763800000800';

  async up(queryRunner: QueryRunner): Promise<void> {
    const t = columnTypes(queryRunner);
    // The default as each driver spells it for the entity's `default: false` (SQLite has no boolean literal).
    const no = queryRunner.connection.driver.options.type === 'postgres' ? 'false' : '0';
    await queryRunner.addColumn('users', new TableColumn({ name: 'mfaEnabled', type: 'boolean', default: no }));
    // Null for sessions opened before this column: they signed in with a password.
    await queryRunner.addColumn(
      'auth_sessions',
      new TableColumn({ name: 'method', type: 'varchar', length: '20', isNullable: true }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mfa_totp',
        columns: [
          { name: 'userId', type: t.uuid, isPrimary: true },
          { name: 'sealedSecret', type: 'varchar', length: '255' },
          { name: 'confirmedAt', type: t.timestamp, isNullable: true },
          { name: 'createdAt', type: t.timestamp, default: t.now },
        ],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'mfa_recovery_codes',
        columns: [
          { name: 'id', type: t.uuid, isPrimary: true },
          { name: 'userId', type: t.uuid },
          { name: 'codeHash', type: 'varchar', length: '64' },
          { name: 'usedAt', type: t.timestamp, isNullable: true },
          { name: 'createdAt', type: t.timestamp, default: t.now },
        ],
        indices: [{ name: 'UQ_mfa_recovery_codes_user_hash', columnNames: ['userId', 'codeHash'], isUnique: true }],
      }),
    );
    await queryRunner.createTable(
      new Table({
        name: 'passkeys',
        columns: [
          { name: 'id', type: t.uuid, isPrimary: true },
          { name: 'userId', type: t.uuid },
          { name: 'credentialId', type: 'varchar', length: '1400' },
          { name: 'publicKey', type: 'text' },
          { name: 'counter', type: 'bigint' },
          { name: 'transports', type: 'text', isNullable: true },
          { name: 'name', type: 'varchar', length: '100' },
          { name: 'createdAt', type: t.timestamp, default: t.now },
          { name: 'lastUsedAt', type: t.timestamp, isNullable: true },
        ],
        indices: [
          { name: 'IDX_passkeys_userId', columnNames: ['userId'] },
          { name: 'UQ_passkeys_credentialId', columnNames: ['credentialId'], isUnique: true },
        ],
      }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropTable('passkeys');
    await queryRunner.dropTable('mfa_recovery_codes');
    await queryRunner.dropTable('mfa_totp');
    await queryRunner.dropColumn('auth_sessions', 'method');
    await queryRunner.dropColumn('users', 'mfaEnabled');
  }
}
