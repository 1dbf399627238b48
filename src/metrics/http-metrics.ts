import type { NextFunction, Request, Response } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type AuthApp, isFastify } from '../common/http/platform.js';
import { Metrics, UNMATCHED_ROUTE } from './metrics.js';

/**
 * Every answered request, on either adapter, by the template of the route that matched it
 * (`/admin/users/:id`, never the path a client sent, so ids stay out of the labels), method and
 * status. Added first, so requests the edges refuse (413, 415) count too. Nothing is added when
 * metrics are off.
 */
export function instrumentHttp(app: AuthApp): void {
  const metrics = app.get(Metrics);
  if (!metrics.enabled) return;
  if (isFastify(app)) {
    // Fastify times the request itself, from its arrival (`reply.elapsedTime`, in ms).
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onResponse', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
        metrics.observeRequest(
          req.routeOptions.url ?? UNMATCHED_ROUTE,
          req.method,
          reply.statusCode,
          reply.elapsedTime / 1000,
        );
        done();
      });
    return;
  }
  app.use((req: Request, res: Response, next: NextFunction) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      metrics.observeRequest(
        templateOf(req.route as ExpressRoute | undefined),
        req.method,
        res.statusCode,
        Number(process.hrtime.bigint() - start) / 1e9,
      );
    });
    next();
  });
}

interface ExpressRoute {
  path?: unknown;
}

/**
 * Express sets `req.route` to the last route that matched; its `path` is the template Nest
 * registered. Nest's middleware for every path (`forRoutes('*')`, the request logger's) is a
 * wildcard route (`{/*splat}`) too, so a request no controller route matched still has one; no
 * controller route of this app has a wildcard.
 */
function templateOf(route: ExpressRoute | undefined): string {
  return typeof route?.path === 'string' && !route.path.includes('*') ? route.path : UNMATCHED_ROUTE;
}
