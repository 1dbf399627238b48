import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { edgeMessage, errorBody } from '../filters/all-exceptions.filter.js';
import { REQUEST_ID_HEADER } from '../logging.module.js';
import {
  API_SECURITY_HEADERS,
  BODY_LIMIT_BYTES,
  isPrivatePath,
  NO_STORE_HEADERS,
  strictJsonReviver,
  refusedBody,
} from './http-edges.js';

/** A malformed body, shaped like body-parser's http-errors so the exception filter treats both alike. */
class MalformedBody extends Error {
  readonly status = 400;
  readonly statusCode = 400;
  readonly expose = true;
}

/**
 * body-parser's `json({ strict: true })`, as Fastify content-type parser: an object or array at the
 * top, the same reviver, and an empty body read as no body.
 */
function parseJson(_req: FastifyRequest, received: string, done: (err: Error | null, value?: unknown) => void): void {
  // As body-parser: no bytes is no body; a byte-order mark is dropped; whitespace alone is malformed.
  if (received.length === 0) return done(null, undefined);
  const body = received.charCodeAt(0) === 0xfeff ? received.slice(1) : received;
  const text = body.trimStart();
  if (text[0] !== '{' && text[0] !== '[') return done(new MalformedBody('JSON body must be an object or array'));
  let value: unknown;
  try {
    value = JSON.parse(text, strictJsonReviver);
  } catch {
    return done(new MalformedBody('Malformed JSON body'));
  }
  done(null, value);
}

/**
 * A form body (only the routes of FORM_ROUTES get one, see refusedBody), read as Express' urlencoded
 * parser reads it: flat key=value pairs, a repeated key an array, no prototype keys.
 */
function parseForm(_req: FastifyRequest, received: string, done: (err: Error | null, value?: unknown) => void): void {
  const body: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(received)) {
    if (key === '__proto__' || key === 'constructor' || key === 'prototype') {
      return done(new MalformedBody('Forbidden key in form body'));
    }
    const prior = body[key];
    body[key] = prior === undefined ? value : [...(Array.isArray(prior) ? prior : [prior]), value];
  }
  done(null, body);
}

/** Lower-cased once, as Fastify keys its reply headers: no new string per header per request. */
const REPLY_SECURITY_HEADERS = API_SECURITY_HEADERS.map(([name, value]) => [name.toLowerCase(), value] as const);

/**
 * The API's security headers, and every other header this app adds on Fastify, go on the reply,
 * never on the Node.js response (`reply.raw.setHeader`): Fastify hands the reply's headers to one
 * `writeHead(status, headers)`, which Node.js writes as they are while the response holds none of
 * its own; one header set on the response makes it merge the lot one `setHeader` at a time.
 * An answer written to `reply.raw` itself would carry none of them: this app writes none (no
 * `@Sse()`, no hijacked reply, no Nest middleware on Fastify).
 */
function setReplySecurityHeaders(reply: FastifyReply): void {
  for (const [name, value] of REPLY_SECURITY_HEADERS) void reply.header(name, value);
}

/** Takes the API's security headers back off a reply, for a page that sets its own (the docs). */
export function removeReplySecurityHeaders(reply: FastifyReply): void {
  for (const [name] of REPLY_SECURITY_HEADERS) void reply.removeHeader(name);
}

/**
 * The edges of `http-edges.ts` on one Fastify request: the security headers, JSON only, no-store.
 * Run by the app's first request hook (app.setup.ts) rather than as hooks of their own: each hook
 * is one more step of Fastify's hook runner on every request. False when the request was answered
 * here (a 415), and must go no further.
 */
export function passFastifyEdges(req: FastifyRequest, reply: FastifyReply): boolean {
  setReplySecurityHeaders(reply);
  const refused = refusedBody(req.method, req.headers, req.url);
  if (refused) {
    void reply.code(415).send(errorBody(415, refused));
    return false;
  }
  if (isPrivatePath(req.url)) void reply.headers(NO_STORE_HEADERS);
  return true;
}

/**
 * The body parsers of the Fastify edges: a JSON parser that is body-parser's (Fastify's own also
 * takes `text/plain` and answers an empty JSON body with a 400, where body-parser reads no body),
 * and the form parser of the form routes. Registered before the app is initialised.
 */
export function configureFastifyEdges(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('application/json', { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES }, parseJson);
  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: BODY_LIMIT_BYTES },
    parseForm,
  );
}

/**
 * The errors Fastify's router raises before any hook runs (a path that does not decode): answered
 * as the exception filter answers the same error on Express, with the headers every answer gets.
 * Given to Fastify as `frameworkErrors` (platform.ts), in place of its own answer, which quotes
 * the path and carries no security header.
 */
export function answerRouterError(error: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
  setReplySecurityHeaders(reply);
  void reply.header(REQUEST_ID_HEADER, req.id);
  if (isPrivatePath(req.url)) void reply.headers(NO_STORE_HEADERS);
  const message = status < 500 ? edgeMessage(status, error) : 'Internal server error';
  void reply.code(status).send(errorBody(status, message));
}
