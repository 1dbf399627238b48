import { Injectable, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { AfterQueryEvent, BeforeQueryEvent, DataSource, EntitySubscriberInterface, QueryRunner } from 'typeorm';
import { Metrics } from './metrics.js';

/**
 * Times every database query through TypeORM's query events (a query runner runs one query at a
 * time, so its start is kept per runner), and counts failed queries and failed connection attempts:
 * while PostgreSQL is away no query starts at all, and the alert must still see it.
 */
@Injectable()
export class DatabaseMetrics implements OnModuleInit {
  constructor(
    private readonly metrics: Metrics,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  onModuleInit(): void {
    if (!this.metrics.enabled) return;
    const metrics = this.metrics;
    const started = new WeakMap<QueryRunner, bigint>();
    const subscriber: EntitySubscriberInterface = {
      beforeQuery(event: BeforeQueryEvent): void {
        if (event.queryRunner) started.set(event.queryRunner, process.hrtime.bigint());
      },
      afterQuery(event: AfterQueryEvent): void {
        const start = event.queryRunner && started.get(event.queryRunner);
        if (start === undefined) return;
        metrics.observeStoreCommand('database', Number(process.hrtime.bigint() - start) / 1e9, !event.success);
      },
    };
    this.dataSource.subscribers.push(subscriber);

    // PostgreSQL's pool: a connection that cannot be made fails before any query event.
    const driver = this.dataSource.driver as { obtainMasterConnection?: (...args: unknown[]) => Promise<unknown> };
    const obtain = driver.obtainMasterConnection;
    if (typeof obtain === 'function') {
      driver.obtainMasterConnection = async (...args: unknown[]): Promise<unknown> => {
        const start = process.hrtime.bigint();
        try {
          return await obtain.apply(driver, args);
        } catch (err) {
          metrics.observeStoreCommand('database', Number(process.hrtime.bigint() - start) / 1e9, true);
          throw err;
        }
      };
    }
  }
}
