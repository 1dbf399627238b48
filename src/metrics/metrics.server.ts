import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { once } from 'node:events';
import { metricsConfig } from '../config/config.js';
import { Metrics } from './metrics.js';

/**
 * `GET /metrics` on HOST:METRICS_PORT, a plain `node:http` listener apart from the public port, so
 * the metrics are never reachable where the API is, and scraping them passes no guard, no rate
 * limit and no request log. Everything else on it is a 404.
 */
@Injectable()
export class MetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(MetricsServer.name);
  private server?: Server;

  constructor(
    private readonly metrics: Metrics,
    @Inject(metricsConfig.KEY) private readonly config: ConfigType<typeof metricsConfig>,
  ) {}

  /** The port it listens on (METRICS_PORT=0 picks one); undefined when metrics are off. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.port === undefined) return;
    const registry = this.metrics.registry;
    const server = createServer((req, res) => {
      const path = (req.url ?? '').split('?', 1)[0];
      if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('Not Found\n');
        return;
      }
      registry.metrics().then(
        (text) => res.writeHead(200, { 'content-type': registry.contentType }).end(req.method === 'HEAD' ? '' : text),
        (err: unknown) => {
          this.logger.warn({ err }, 'Metrics not collected');
          res.writeHead(500, { 'content-type': 'text/plain' }).end('Metrics not collected\n');
        },
      );
    });
    server.listen(this.config.port, this.config.host);
    await once(server, 'listening');
    this.server = server;
    this.logger.log(`Metrics on http://${this.config.host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
