import { type MigrationInterface, type QueryRunner, TableColumn } from 'typeorm';

/** `auth_time` (RFC 9470) of a JWT session, kept with its refresh family so refreshes carry it. */
export class AddRefreshAuthTime1764400000000 implements MigrationInterface {
  name = 'AddRefreshAuthTime1764400000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Nullable: families opened before this migration have no known sign-in time and are never fresh.
    await queryRunner.addColumn(
      'refresh_tokens',
      new TableColumn({ name: 'authTime', type: 'bigint', isNullable: true }),
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.dropColumn('refresh_tokens', 'authTime');
  }
}
