import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** DPoP (RFC 9449): the thumbprint of the key a refresh family is bound to, on each of its tokens. */
export class AddRefreshTokenJkt1763800001810 implements MigrationInterface {
  name = 'AddRefreshTokenJkt1763800001810';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.addColumn(
      'refresh_tokens',
      new TableColumn({ name: 'jkt', type: 'varchar', length: '43', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('refresh_tokens', 'jkt');
  }
}
