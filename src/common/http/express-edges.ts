import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
import { errorBody } from '../filters/all-exceptions.filter.js';
import {
  BODY_LIMIT_BYTES,
  isPrivatePath,
  NO_STORE_HEADERS,
  normalizeUnreserved,
  strictJsonReviver,
  refusedBody,
  securityHeaders,
} from './http-edges.js';

function requireJsonBodies(req: Request, res: Response, next: NextFunction): void {
  const refused = refusedBody(req.method, req.headers, req.url);
  if (refused) {
    res.status(415).json(errorBody(415, refused));
    return;
  }
  next();
}

function noStoreForPrivateRoutes(req: Request, res: Response, next: NextFunction): void {
  if (isPrivatePath(req.url)) for (const [name, value] of Object.entries(NO_STORE_HEADERS)) res.setHeader(name, value);
  next();
}

/** Express routes the path as sent; Fastify decodes percent-encoded unreserved characters first. */
function normalizePath(req: Request, _res: Response, next: NextFunction): void {
  req.url = normalizeUnreserved(req.url);
  next();
}

/**
 * A path that does not decode is refused, whatever route it was meant for, as Express' router
 * refuses a parameter that does not (a 400 URIError, answered by the exception filter) and as
 * Fastify's router refuses such a path.
 */
function refuseUndecodablePath(req: Request, _res: Response, next: NextFunction): void {
  const path = req.url.split('?')[0]!;
  if (path.includes('%')) {
    try {
      decodeURIComponent(path);
    } catch {
      next(Object.assign(new URIError('Failed to decode the path'), { status: 400, statusCode: 400 }));
      return;
    }
  }
  next();
}

/** The edges of `http-edges.ts` on Express: the security headers, JSON only, no-store, body-parser's JSON parser. */
export function configureExpressEdges(app: NestExpressApplication): void {
  app.use(normalizePath);
  app.use(securityHeaders);
  app.use(requireJsonBodies);
  app.use(noStoreForPrivateRoutes);
  app.use(refuseUndecodablePath);
  // JSON only, strict (objects and arrays at the top), at most 100 kB: past it, 413. Keys that
  // could reach an object's prototype are refused outright (a 400), whatever the route.
  app.useBodyParser('json', { limit: BODY_LIMIT_BYTES, strict: true, reviver: strictJsonReviver, inflate: false });
  // Form bodies reach only the routes of FORM_ROUTES (every other gets the 415 above): flat
  // key=value pairs, a repeated key an array (which the route's DTO refuses).
  app.useBodyParser('urlencoded', { limit: BODY_LIMIT_BYTES, extended: false, inflate: false });
}
