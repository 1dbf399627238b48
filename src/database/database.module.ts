import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { databaseConfig } from '../config/config.js';
import { dataSourceOptions, openDataSource } from './data-source-options.js';
import { WalCheckpointer } from './wal-checkpointer.js';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [databaseConfig.KEY],
      useFactory: (db: ConfigType<typeof databaseConfig>) => {
        if (db.sqlitePath && db.sqlitePath !== ':memory:') mkdirSync(dirname(db.sqlitePath), { recursive: true });
        // Fail fast at start-up instead of retrying for a minute: a supervisor restarts the process.
        return { ...dataSourceOptions(db), retryAttempts: 0 };
      },
      // Migrations under a lock, so instances starting together do not race for them.
      dataSourceFactory: (options) => openDataSource(options!),
    }),
  ],
  providers: [WalCheckpointer],
})
export class DatabaseModule {}
