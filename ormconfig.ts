import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { databaseOptionsFromEnv } from './src/config/config.js';
import { dataSourceOptions } from './src/database/data-source-options.js';

/** The DataSource of the TypeORM CLI (`npm run migration:*`), built from the app's own options. */
export default new DataSource({ ...dataSourceOptions(databaseOptionsFromEnv()), migrationsRun: false });
