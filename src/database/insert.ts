import type { ObjectLiteral, Repository } from 'typeorm';

/**
 * INSERT and nothing else, for rows whose writer already holds every value it needs. TypeORM's
 * `insert()` reads each new row's default and date columns back where the driver has no
 * RETURNING (SQLite), and `save()` also loads the row first inside a transaction: two and five
 * statements for one (the bench report's login storm pays them on every login).
 */
export function insertRows<T extends ObjectLiteral>(
  repo: Repository<T>,
  values: Parameters<Repository<T>['insert']>[0],
): Promise<unknown> {
  return repo.createQueryBuilder().insert().values(values).updateEntity(false).execute();
}
