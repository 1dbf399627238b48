import type { INestApplication } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import { removeReplySecurityHeaders } from '../common/http/fastify-edges.js';
import { type AuthApp, isFastify } from '../common/http/platform.js';
import { swaggerAuthScript } from './swagger-auth.script.js';

/** Names of the two security schemes, as the Authorize dialog shows them. */
export const COOKIE_SCHEME = 'session-cookie';
export const BEARER_SCHEME = 'bearer-jwt';
/** Documented, not usable from this page: DPoP needs a key pair and a fresh signed proof per request. */
export const DPOP_SCHEME = 'dpop';
export const INTROSPECTION_SCHEME = 'introspection-client';

export const DOCS_PATH = '/docs';
/** The Swagger UI helpers (CSRF header, Bearer pre-authorization): see swagger-auth.script.ts. */
export const DOCS_AUTH_SCRIPT_PATH = `${DOCS_PATH}/swagger-auth.js`;

const DESCRIPTION = `Cookie sessions and JWTs side by side, with one registry of sessions.

**Session cookie** (\`${COOKIE_SCHEME}\`): run \`POST /auth/session/login\`. The browser keeps the HttpOnly
session cookie and sends it by itself; nothing goes into the Authorize dialog. Every POST, PUT, PATCH and
DELETE made with the cookie must carry \`X-CSRF-Token\`: this page adds it by itself, from the login answer
(or from \`GET /auth/session/csrf\` after a reload). \`POST /auth/session/logout\` ends the session.

**Bearer JWT** (\`${BEARER_SCHEME}\`): run \`POST /auth/jwt/login\`. This page authorizes itself with the
returned access token (the Authorize button shows a closed lock) and keeps it across reloads. When it
expires, run \`POST /auth/jwt/refresh\` with the body \`{}\`: the HttpOnly refresh cookie is sent and the new
access token is used at once. \`POST /auth/jwt/logout\` ends the session and forgets the token.

When a request carries a Bearer token it is judged by that token alone, never by the cookie.

**DPoP** (\`${DPOP_SCHEME}\`, RFC 9449) is for programmatic clients (apps, CLIs, services), not for this page: the
client keeps a private key, sends a \`DPoP\` proof (a JWT it signs for each request) with the login, and gets
tokens bound to its key (\`tokenType: "DPoP"\`, \`cnf.jkt\` in the access token). It then calls with
\`Authorization: DPoP <accessToken>\` and a fresh proof carrying \`ath\`; a stolen token is useless without the key.

**Introspection** (\`POST /oauth/introspect\`, RFC 7662) lets the other services of a deployment ask whether a
token is live right now, with HTTP Basic credentials from \`INTROSPECTION_CLIENTS\`.

Errors always have the shape \`{statusCode, message, error}\`. Request bodies are uncompressed JSON in UTF-8 (anything else: 415),
at most 100 kB (413).`;

export function buildOpenApiDocument(app: INestApplication, cookieName: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Auth server')
    .setDescription(DESCRIPTION)
    .setVersion('1.0')
    .addCookieAuth(
      cookieName,
      {
        type: 'apiKey',
        in: 'cookie',
        name: cookieName,
        description: `Session cookie \`${cookieName}\` (HttpOnly), set by POST /auth/session/login and sent by the browser itself. Leave this field empty: a script cannot set an HttpOnly cookie.`,
      },
      COOKIE_SCHEME,
    )
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description:
          'Access token from POST /auth/jwt/login or /auth/jwt/refresh (filled in by this page after either).',
      },
      BEARER_SCHEME,
    )
    .addSecurity(DPOP_SCHEME, {
      type: 'apiKey',
      in: 'header',
      name: 'Authorization',
      description:
        'RFC 9449, for programmatic clients (this page cannot make proofs): `Authorization: DPoP <accessToken>` plus a `DPoP` header holding a proof JWT signed by the key the token is bound to (`typ: dpop+jwt`, ES256, EdDSA or RS256, public `jwk` in the header; claims `jti`, `htm`, `htu` (this URL without query), `iat`, `ath` = base64url SHA-256 of the access token, and `nonce` when the server asks for one via `DPoP-Nonce`). Refusals: 401 with `WWW-Authenticate: DPoP error="invalid_token" | "invalid_dpop_proof" | "use_dpop_nonce", algs="…"`.',
    })
    .addBasicAuth(
      { type: 'http', scheme: 'basic', description: 'A client id and secret of `INTROSPECTION_CLIENTS`' },
      INTROSPECTION_SCHEME,
    )
    .addTag('users', 'Registration and the signed-in user')
    .addTag('account', "Self-service on one's own account, either style")
    .addTag('session', 'Cookie style: sign in and out with an HttpOnly session cookie')
    .addTag('jwt', 'JWT style: access and refresh tokens, and the public keys that verify them')
    .addTag('mfa', 'The second factor (TOTP, recovery codes) and the second step of a sign-in, either style')
    .addTag('passkeys', 'Passkeys (WebAuthn): register while signed in, sign in with one in either style')
    .addTag('sessions', 'One registry of sessions, both styles')
    .addTag('admin', 'Needs the admin role, with either style')
    .addTag('oauth', 'Token introspection for resource servers (RFC 7662)')
    .addTag('operations', 'Health of the server')
    .build();
  return withEdgeResponses(SwaggerModule.createDocument(app, config, { operationIdFactory }));
}

/**
 * `usersMe`, `authJwtLogin`: names a client generator can use as they are. Nest's default
 * (`UsersController_me`) also makes Swagger UI's deep links warn about the underscore.
 */
function operationIdFactory(controllerKey: string, methodKey: string): string {
  const owner = controllerKey.replace(/Controller$/, '');
  return `${owner.charAt(0).toLowerCase()}${owner.slice(1)}${methodKey.charAt(0).toUpperCase()}${methodKey.slice(1)}`;
}

const ERROR_REF = { $ref: '#/components/schemas/ErrorResponse' };

/**
 * Answers every request with a body can get before any route runs (from the JSON-only and
 * body-size edges in src/common/http), added here once instead of on each route.
 */
function withEdgeResponses(document: OpenAPIObject): OpenAPIObject {
  const edge = {
    '413': { description: 'Body larger than 100 kB', content: { 'application/json': { schema: ERROR_REF } } },
    '415': {
      description: 'Body that is not JSON in UTF-8, or is compressed (Content-Encoding)',
      content: { 'application/json': { schema: ERROR_REF } },
    },
  };
  for (const item of Object.values(document.paths)) {
    for (const op of [item.post, item.put, item.patch, item.delete]) {
      if (op?.requestBody) op.responses = { ...edge, ...op.responses };
    }
  }
  return document;
}

/**
 * The documentation pages (Swagger UI, its scripts and styles) are the only HTML this server
 * serves: they get helmet's default headers, built once, in place of the API's (`securityHeaders`),
 * after them on either adapter. Over plain HTTP the CSP drops `upgrade-insecure-requests`: there
 * the browser would fetch Swagger UI's scripts and make its calls over HTTPS, and a server reached
 * by a name other than localhost (a dev box, a container) would show a blank page. Scripts remain
 * `'self'` only.
 */
const docsHeaders = {
  https: helmet(),
  http: helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }),
};

function useDocsHeaders(app: AuthApp): void {
  if (isFastify(app)) {
    app
      .getHttpAdapter()
      .getInstance()
      .addHook('onRequest', (req: FastifyRequest, reply: FastifyReply, done: () => void) => {
        if (!isDocsPath(req.url)) done();
        else {
          // Fastify writes its reply's headers over the response's: take the API's back first.
          removeReplySecurityHeaders(reply);
          docsHeaders[req.protocol === 'https' ? 'https' : 'http'](req.raw, reply.raw, done);
        }
      });
  } else {
    app.use(DOCS_PATH, (req: Request, res: Response, next: NextFunction) =>
      docsHeaders[req.secure ? 'https' : 'http'](req, res, next),
    );
  }
}

const isDocsPath = (url: string): boolean =>
  url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`) || url.startsWith(`${DOCS_PATH}?`);

export function setupSwagger(app: AuthApp, cookieName: string): void {
  const document = buildOpenApiDocument(app, cookieName);
  const script = swaggerAuthScript(BEARER_SCHEME);
  useDocsHeaders(app);
  // Registered before Swagger UI's own files so that this path is ours.
  const adapter = app.getHttpAdapter() as unknown as AbstractHttpAdapter;
  adapter.get(DOCS_AUTH_SCRIPT_PATH, (_req: unknown, res: unknown) => {
    adapter.setHeader(res, 'Content-Type', 'application/javascript; charset=utf-8');
    adapter.setHeader(res, 'Cache-Control', 'no-cache');
    adapter.reply(res, script, 200);
  });
  SwaggerModule.setup(DOCS_PATH.slice(1), app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    customSiteTitle: 'Auth server API',
    customJs: DOCS_AUTH_SCRIPT_PATH,
    swaggerOptions: {
      persistAuthorization: true,
      withCredentials: true,
      displayRequestDuration: true,
    },
  });
}
