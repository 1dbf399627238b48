import { randomBytes } from 'node:crypto';
import request from 'supertest';
import { BEARER_SCHEME, COOKIE_SCHEME, DPOP_SCHEME, INTROSPECTION_SCHEME } from '../../src/docs/swagger.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/** What the Swagger page is built from: the OpenAPI document, the page and its helper script. */

interface Schema {
  $ref?: string;
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
}
interface Operation {
  tags?: string[];
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string }[];
  requestBody?: { content: Record<string, { schema?: Schema; examples?: Record<string, { value: unknown }> }> };
  responses: Record<string, { content?: Record<string, { schema?: Schema }> }>;
}
interface Document {
  tags: { name: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, Schema>; securitySchemes: Record<string, Record<string, string>> };
}

const TAGS = ['users', 'account', 'session', 'jwt', 'mfa', 'passkeys', 'sessions', 'admin', 'oauth', 'operations'];
const STATE_CHANGING = new Set(['post', 'put', 'patch', 'delete']);
/** The routes that need no credential (`@Public()`); every other one must name its schemes. */
const PUBLIC = [
  'POST /users',
  'POST /auth/session/login',
  'POST /auth/jwt/login',
  'POST /auth/jwt/refresh',
  'POST /auth/mfa/verify',
  'POST /auth/passkey/options',
  'POST /auth/session/passkey',
  'POST /auth/jwt/passkey',
  'GET /.well-known/jwks.json',
  'GET /health',
  'GET /health/live',
  'GET /health/ready',
  'POST /auth/password/forgot',
  'POST /auth/password/reset',
  'POST /auth/email/verify',
];

describe('OpenAPI document and Swagger page (e2e)', () => {
  let t: TestApp;
  let doc: Document;
  let operations: { name: string; method: string; op: Operation }[];

  beforeAll(async () => {
    t = await createTestApp();
    doc = (await request(t.http).get('/docs-json').expect(200)).body as Document;
    operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, method, op })),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  const resolve = (schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? doc.components.schemas[schema.$ref.replace('#/components/schemas/', '')] : schema;

  it('groups every route under exactly one of the ten tags, in order, and uses them all', () => {
    expect(doc.tags.map((tag) => tag.name)).toEqual(TAGS);
    const untagged = operations
      .filter(({ op }) => op.tags?.length !== 1 || !TAGS.includes(op.tags[0]!))
      .map((o) => o.name);
    expect(untagged).toEqual([]);
    expect(new Set(operations.map(({ op }) => op.tags?.[0]))).toEqual(new Set(TAGS));
  });

  it('gives every response a status code, and every response with a body its schema', () => {
    const missing: string[] = [];
    for (const { name, op } of operations) {
      const codes = Object.keys(op.responses);
      if (!codes.some((c) => /^2\d\d$/.test(c))) missing.push(`${name}: no success response`);
      for (const code of codes) {
        const schema = op.responses[code]!.content?.['application/json']?.schema;
        if (code !== '204' && !schema) missing.push(`${name} ${code}: no schema`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('gives every request body an example Swagger UI fills in', () => {
    const without: string[] = [];
    for (const { name, op } of operations) {
      const media = op.requestBody?.content['application/json'];
      if (!op.requestBody) continue;
      if (media?.examples && Object.keys(media.examples).length > 0) continue;
      const schema = resolve(media?.schema);
      const required = schema?.required ?? [];
      if (required.length === 0 || required.some((p) => schema?.properties?.[p]?.example === undefined))
        without.push(name);
    }
    expect(without).toEqual([]);
    // The refresh form's first example is `{}`, so the refresh cookie, not a made-up token, is spent.
    const refresh = doc.paths['/auth/jwt/refresh']!.post!.requestBody!.content['application/json']!.examples!;
    expect(Object.values(refresh)[0]!.value).toEqual({});
  });

  it('names the security schemes plainly, and every route that needs a credential says which', () => {
    expect(doc.components.securitySchemes).toEqual({
      [COOKIE_SCHEME]: expect.objectContaining({ type: 'apiKey', in: 'cookie', name: 'sid' }),
      [BEARER_SCHEME]: expect.objectContaining({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }),
      // Documented for programmatic clients; the page itself cannot make DPoP proofs, and says so.
      [DPOP_SCHEME]: expect.objectContaining({
        type: 'apiKey',
        in: 'header',
        name: 'Authorization',
        description: expect.stringMatching(/programmatic clients/),
      }),
      [INTROSPECTION_SCHEME]: expect.objectContaining({ type: 'http', scheme: 'basic' }),
    });
    expect(doc.paths['/oauth/introspect']!.post!.security).toEqual([{ [INTROSPECTION_SCHEME]: [] }]);
    const unsecured = operations
      .filter(({ name, op }) => !PUBLIC.includes(name) && !op.security?.length)
      .map((o) => o.name);
    expect(unsecured).toEqual([]);
    const csrf = operations
      .filter(({ method, op }) => STATE_CHANGING.has(method) && op.security?.some((s) => COOKIE_SCHEME in s))
      .filter(({ op }) => !op.parameters?.some((p) => p.in === 'header' && p.name === 'X-CSRF-Token'))
      .map((o) => o.name);
    expect(csrf).toEqual([]);
  });

  it('serves the page with no inline script, and the helper script under the same CSP', async () => {
    const page = await request(t.http).get('/docs').expect(200);
    const scripts = [...page.text.matchAll(/<script\b([^>]*)>/g)].map((m) => m[1]!);
    expect(scripts.length).toBeGreaterThan(0);
    expect(scripts.filter((attrs) => !/\bsrc=/.test(attrs))).toEqual([]);
    expect(scripts.some((attrs) => attrs.includes('/docs/swagger-auth.js'))).toBe(true);
    const csp = page.headers['content-security-policy'] as string;
    expect(csp).toMatch(/(^|;)script-src 'self'(;|$)/);
    // Served over plain HTTP, nothing is upgraded to an HTTPS the server may not speak.
    expect(csp).not.toMatch(/upgrade-insecure-requests/);

    const script = await request(t.http).get('/docs/swagger-auth.js').expect(200);
    expect(script.headers['content-type']).toMatch(/^application\/javascript/);
    expect(script.text).toContain(JSON.stringify(BEARER_SCHEME));
    // The API's answers keep their own policy.
    const health = await request(t.http).get('/health').expect(200);
    expect(health.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
  });
});

describe('docs in production (e2e)', () => {
  const production = {
    NODE_ENV: 'production',
    JWT_SECRET: randomBytes(32).toString('base64url'),
    SESSION_SECRET: randomBytes(32).toString('base64url'),
    MFA_ENCRYPTION_KEY: randomBytes(32).toString('base64url'),
  };

  it.each([
    ['off by default', {}, 404],
    ['on with DOCS_ENABLED=true', { DOCS_ENABLED: 'true' }, 200],
  ])('%s', async (_, env, status) => {
    const t = await createTestApp({ env: { ...production, ...env } });
    try {
      await request(t.http).get('/docs').expect(status);
      await request(t.http).get('/docs-json').expect(status);
      await request(t.http).get('/docs/swagger-auth.js').expect(status);
    } finally {
      await t.close();
    }
  });
});
