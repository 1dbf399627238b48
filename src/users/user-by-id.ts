import type { Repository } from 'typeorm';
import { statement } from '../database/statements.js';
import type { User } from './user.entity.js';

/**
 * `findOneBy({ id })`, for the hottest read of the API (`GET /users/me`, every refresh), without
 * building the query each time (most of a repository call): the statement is written once from the
 * entity's metadata and run by `statement()`, and each row is hydrated by the driver's own
 * `prepareHydratedValue`, column by column, as TypeORM's repository would (dates, `simple-array`
 * roles). Columns TypeORM would leave out (`select: false`: the password hash) are left out.
 */
export function compileFindById(repository: Repository<User>): (id: string) => Promise<User | null> {
  const { metadata, manager } = repository;
  const driver = manager.connection.driver;
  const columns = metadata.columns.filter((c) => c.isSelect);
  const table = metadata.tablePath
    .split('.')
    .map((part) => driver.escape(part))
    .join('.');
  const idColumn = metadata.primaryColumns[0];
  if (!idColumn || metadata.primaryColumns.length !== 1) throw new Error('users must have one primary column');
  const byId = statement(
    manager.connection,
    `SELECT ${columns.map((c) => driver.escape(c.databaseName)).join(', ')} FROM ${table} ` +
      `WHERE ${driver.escape(idColumn.databaseName)} = ? LIMIT 1`,
  );
  return async (id) => {
    const rows = await byId.rows([id]);
    const row = rows[0];
    if (!row) return null;
    const user = metadata.create() as User;
    for (const column of columns)
      column.setEntityValue(user, driver.prepareHydratedValue(row[column.databaseName], column));
    return user;
  };
}
