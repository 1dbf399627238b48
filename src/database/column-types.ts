import type { QueryRunner } from 'typeorm';

/**
 * Migrations are written once with TypeORM's driver-neutral `Table` API, so the same files build
 * the schema on SQLite and on PostgreSQL. This maps the few types the two spell differently, to the
 * types TypeORM itself picks for the entities' columns (so the schema diff stays empty).
 */
export function columnTypes(queryRunner: QueryRunner): { uuid: string; timestamp: string; now: string } {
  const driver = queryRunner.connection.driver;
  return {
    uuid: driver.options.type === 'postgres' ? 'uuid' : 'varchar',
    timestamp: String(driver.mappedDataTypes.createDate),
    now: String(driver.mappedDataTypes.createDateDefault),
  };
}
