import { ApiHeader } from '@nestjs/swagger';

/**
 * Documents `X-CSRF-Token` on a state-changing route that accepts the session cookie. Optional in
 * the document because a Bearer request does not need it; Swagger UI fills it in by itself.
 */
export const ApiCsrfHeader = (): MethodDecorator & ClassDecorator =>
  ApiHeader({
    name: 'X-CSRF-Token',
    required: false,
    schema: { type: 'string' },
    description:
      'With the session cookie: the csrfToken from POST /auth/session/login or GET /auth/session/csrf (missing or wrong: 403). Not needed with a Bearer token. Swagger UI adds it by itself; leave empty.',
  });
