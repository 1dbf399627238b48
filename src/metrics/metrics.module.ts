import { Global, Module } from '@nestjs/common';
import { DatabaseMetrics } from './database-metrics.js';
import { Metrics } from './metrics.js';
import { MetricsServer } from './metrics.server.js';

/**
 * Prometheus metrics (`METRICS_PORT`). Global: the audit trail, the Redis client and the HTTP edges
 * feed `Metrics`; the server and the database instrumentation are its own.
 */
@Global()
@Module({
  providers: [Metrics, MetricsServer, DatabaseMetrics],
  exports: [Metrics],
})
export class MetricsModule {}
