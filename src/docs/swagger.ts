import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, type OpenAPIObject, SwaggerModule } from '@nestjs/swagger';

export const COOKIE_SCHEME = 'session-cookie';
export const BEARER_SCHEME = 'bearer-jwt';

export function buildOpenApiDocument(app: INestApplication, cookieName: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle('Auth server')
    .setDescription(
      [
        'Cookie sessions and JWTs side by side, with one registry of sessions.',
        '',
        `**Session cookie** (\`${cookieName}\`): sign in with \`POST /auth/session/login\`; the browser keeps the HttpOnly cookie.`,
        'State-changing requests made with the cookie carry `X-CSRF-Token`.',
        '',
        '**Bearer JWT**: sign in with `POST /auth/jwt/login` and send `Authorization: Bearer <accessToken>`.',
        '',
        'Errors always have the shape `{statusCode, message, error}`.',
      ].join('\n'),
    )
    .setVersion('1.0')
    .addCookieAuth(
      cookieName,
      {
        type: 'apiKey',
        in: 'cookie',
        name: cookieName,
        description: 'Session cookie (HttpOnly), set by POST /auth/session/login',
      },
      COOKIE_SCHEME,
    )
    .addBearerAuth(
      { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'Access token from POST /auth/jwt/login' },
      BEARER_SCHEME,
    )
    .addTag('users')
    .addTag('session', 'Cookie sessions')
    .addTag('jwt', 'Access and refresh tokens')
    .addTag('sessions', 'One registry of sessions, both styles')
    .addTag('admin')
    .addTag('operations')
    .build();
  return SwaggerModule.createDocument(app, config);
}

export function setupSwagger(app: INestApplication, cookieName: string): void {
  const document = buildOpenApiDocument(app, cookieName);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs-json',
    yamlDocumentUrl: 'docs-yaml',
    swaggerOptions: { persistAuthorization: true, withCredentials: true },
  });
}
