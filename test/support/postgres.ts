import { randomBytes } from 'node:crypto';
import pg from 'pg';

/**
 * The PostgreSQL server the tests may create schemas on: this machine's, with trust auth (`.ci/run`
 * sets it up). Each app gets a schema of its own there, so test files running in parallel never
 * share a table, and the schema is dropped when the file is done.
 */
export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * Whether this jest project runs the e2e specs on PostgreSQL instead of SQLite: the `e2e-postgres`
 * project of jest.config.js sets the global, so the same spec files run once per database.
 */
export const onPostgres = (globalThis as { E2E_DATABASE?: string }).E2E_DATABASE === 'postgres';

const PREFIX = 'e2e_';
/** A schema left behind by a run that was killed is dropped by a later run once it is this old. */
const STALE_MS = 24 * 3600_000;

async function withClient<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_POSTGRES_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

let sweptStale = false;

/** Creates a fresh, empty schema and returns its name (`e2e_<base-36 ms>_<random>`). */
export async function createSchema(): Promise<string> {
  const name = `${PREFIX}${Date.now().toString(36)}_${randomBytes(5).toString('hex')}`;
  await withClient(async (client) => {
    if (!sweptStale) {
      sweptStale = true;
      await dropStaleSchemas(client);
    }
    await client.query(`CREATE SCHEMA "${name}"`);
  });
  return name;
}

export async function dropSchema(name: string): Promise<void> {
  if (!name.startsWith(PREFIX)) throw new Error(`refusing to drop ${name}: not a test schema`);
  await withClient((client) => client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`));
}

/** `DATABASE_URL` of the app for a schema on the test server. */
export function schemaUrl(schema: string): string {
  const url = new URL(TEST_POSTGRES_URL);
  url.searchParams.set('schema', schema);
  return url.toString();
}

async function dropStaleSchemas(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ name: string }>(
    `SELECT nspname AS name FROM pg_namespace WHERE nspname LIKE '${PREFIX}%'`,
  );
  for (const { name } of rows) {
    const born = parseInt(name.slice(PREFIX.length).split('_')[0] ?? '', 36);
    if (Number.isFinite(born) && Date.now() - born > STALE_MS) {
      await client.query(`DROP SCHEMA IF EXISTS "${name}" CASCADE`);
    }
  }
}
