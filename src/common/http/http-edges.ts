import type { NextFunction, Request, Response } from 'express';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
// Only what the JSON parser reads: an `application/x+json` body would arrive empty.
const JSON_TYPE = /^application\/json\s*(;|$)/i;

/**
 * Every body is JSON. A form or `text/plain` body is refused before any parser or route sees it:
 * that also closes the "simple request" door a cross-site HTML form would use (no preflight).
 */
export function requireJsonBodies(req: Request, res: Response, next: NextFunction): void {
  const hasBody = req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
  if (hasBody && BODY_METHODS.has(req.method) && !JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    res
      .status(415)
      .json({ statusCode: 415, message: 'Content-Type must be application/json', error: 'Unsupported Media Type' });
    return;
  }
  next();
}

const PRIVATE_PREFIXES = ['/auth', '/users', '/admin'];

/** Answers about credentials and people are never stored by a browser or a shared cache. */
export function noStoreForPrivateRoutes(req: Request, res: Response, next: NextFunction): void {
  if (PRIVATE_PREFIXES.some((p) => req.path === p || req.path.startsWith(`${p}/`))) {
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Pragma', 'no-cache');
  }
  next();
}
