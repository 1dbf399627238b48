import { gzipSync } from 'node:zlib';
import request from 'supertest';
import { UsersService } from '../../src/users/users.service.js';
import { createTestApp, type TestApp, testAdapter } from '../support/test-app.js';

const GOOD_USER = { email: 'edge@example.com', password: 'correct horse battery' };

describe('HTTP edges (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('runs on the adapter of this jest project (express unless the project says otherwise)', () => {
    expect(t.app.getHttpAdapter().getType()).toBe(testAdapter ?? 'fastify');
  });

  describe('bodies', () => {
    it('answers 413 in the error shape for a 200 kB JSON body', async () => {
      const body = JSON.stringify({ ...GOOD_USER, displayName: 'x'.repeat(200 * 1024) });
      const res = await request(t.http).post('/users').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(413);
      expect(res.body).toEqual({ statusCode: 413, message: 'Request body too large', error: 'Payload Too Large' });
    });

    it('parses a body just under 100 kB (validation, not the size limit, answers)', async () => {
      const body = JSON.stringify({ ...GOOD_USER, displayName: 'x'.repeat(95 * 1024) });
      const res = await request(t.http).post('/users').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(400);
      expect(res.body.message).toEqual(['displayName must be shorter than or equal to 100 characters']);
    });

    it('answers 400 for malformed JSON without quoting the input', async () => {
      const res = await request(t.http)
        .post('/users')
        .set('Content-Type', 'application/json')
        .send('{"email": "leak-marker-4711@example.com", "password": ');
      expect(res.status).toBe(400);
      expect(res.body).toEqual({ statusCode: 400, message: 'Malformed request body', error: 'Bad Request' });
      expect(res.text).not.toContain('leak-marker-4711');
    });

    it.each([
      ['a bare string', '"just a string"'],
      ['a bare number', '42'],
      ['null', 'null'],
    ])('answers 400 for %s as the top-level JSON value', async (_, raw) => {
      const res = await request(t.http).post('/users').set('Content-Type', 'application/json').send(raw);
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    });

    it('answers 400 naming an unknown field, and creates nobody', async () => {
      const res = await request(t.http)
        .post('/users')
        .send({ ...GOOD_USER, email: 'unknown-field@example.com', isAdmin: true })
        .expect(400);
      expect(res.body).toEqual({
        statusCode: 400,
        message: ['property isAdmin should not exist'],
        error: 'Bad Request',
      });
      // Proof nothing was stored: the same email can still register.
      await request(t.http)
        .post('/users')
        .send({ ...GOOD_USER, email: 'unknown-field@example.com' })
        .expect(201);
    });

    it.each([
      ['text/plain', JSON.stringify(GOOD_USER)],
      ['application/x-www-form-urlencoded', 'email=form%40example.com&password=correct+horse+battery'],
      ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="email"\r\n\r\na@b.c\r\n--x--'],
      ['application/xml', '<user/>'],
    ])('answers 415 for a %s body on POST /users', async (type, raw) => {
      const res = await request(t.http).post('/users').set('Content-Type', type).send(raw);
      expect(res.status).toBe(415);
      expect(res.body).toEqual({
        statusCode: 415,
        message: 'Content-Type must be application/json',
        error: 'Unsupported Media Type',
      });
    });

    it('accepts application/json with a charset', async () => {
      await request(t.http)
        .post('/users')
        .set('Content-Type', 'application/json; charset=utf-8')
        .send(JSON.stringify({ ...GOOD_USER, email: 'charset@example.com' }))
        .expect(201);
    });
  });

  describe('routing and errors', () => {
    it('answers an unknown route with a JSON 404', async () => {
      const res = await request(t.http).get('/no/such/route').expect(404);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
      expect(Object.keys(res.body).sort()).toEqual(['error', 'message', 'statusCode']);
    });

    it('answers a wrong method on a known path with a JSON 404, not a 500', async () => {
      const res = await request(t.http).delete('/health').expect(404);
      expect(res.body).toMatchObject({ statusCode: 404, error: 'Not Found' });
    });

    // Both adapters route every spelling of a path alike (Express' reading: trailing slash and case
    // ignored; Fastify's: encoded unreserved characters decoded), and a private answer is never
    // cacheable, however its path was spelled.
    it.each<[string, number]>([
      ['/users/me', 401],
      ['/users/me/', 401],
      ['/USERS/Me', 401],
      ['/%75sers/%6De', 401],
      ['/users/me?x=1', 401],
      ['/users%2Fme', 404],
      ['//users/me', 404],
      ['/users//me', 404],
      ['/users/me;x', 404],
    ])('GET %s answers %i', async (path, status) => {
      const res = await request(t.http).get(path);
      expect(res.status).toBe(status);
      if (status === 401) expect(res.headers['cache-control']).toBe('no-store');
    });

    it('answers a path that does not decode with the error shape, the security headers and a request id, never quoting it', async () => {
      for (const path of ['/users/%E0%A4%A', '/admin/users/%E0%A4%A/sessions']) {
        const res = await request(t.http).get(path).expect(400);
        expect(res.body).toEqual({ statusCode: 400, message: 'Malformed request path', error: 'Bad Request' });
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
        expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
        expect(res.headers['cache-control']).toBe('no-store');
      }
    });

    it('takes a long path parameter to the route (no router limit of its own)', async () => {
      const res = await request(t.http).get(`/admin/users/${'a'.repeat(1000)}/sessions`);
      expect(res.status).toBe(401);
    });

    it.each<[string, string, number]>([
      ['a byte-order mark before the JSON is dropped', `\uFEFF${JSON.stringify(GOOD_USER)}`, 201],
      ['whitespace alone is malformed', '   ', 400],
      ['a top-level string is malformed (strict)', '"abc"', 400],
      ['a top-level null is malformed (strict)', 'null', 400],
      ['trailing garbage is malformed', '{}x', 400],
    ])('JSON bodies as body-parser reads them: %s', async (_, body, status) => {
      const res = await request(t.http).post('/users').set('Content-Type', 'application/json').send(body);
      expect(res.status).toBe(status);
      if (status === 400)
        expect(res.body).toEqual({ statusCode: 400, message: 'Malformed request body', error: 'Bad Request' });
    });

    // Odd input a client or scanner may send; none of it may become a 500.
    it.each<[string, number, (r: ReturnType<typeof request>) => request.Test]>([
      ['a malformed percent-encoding in the path', 400, (r) => r.get('/users/%E0%A4%A')],
      ['a JSON array body', 400, (r) => r.post('/users').send([GOOD_USER])],
      ['a nested object as email', 400, (r) => r.post('/users').send({ ...GOOD_USER, email: { a: { b: 1 } } })],
      [
        'a __proto__ key',
        400,
        (r) => r.post('/users').set('Content-Type', 'application/json').send('{"__proto__":{"x":1}}'),
      ],
      [
        'an unsupported charset',
        415,
        (r) => r.post('/users').set('Content-Type', 'application/json; charset=latin-9').send('{}'),
      ],
      [
        'an unsupported content encoding',
        415,
        (r) => r.post('/users').set('Content-Type', 'application/json').set('Content-Encoding', 'compress').send('{}'),
      ],
      [
        'a body claiming gzip that is not',
        415,
        (r) => r.post('/users').set('Content-Type', 'application/json').set('Content-Encoding', 'gzip').send('{}'),
      ],
      [
        'a real gzip body (compressed bodies are refused)',
        415,
        (r) =>
          r
            .post('/users')
            .set('Content-Type', 'application/json')
            .set('Content-Encoding', 'gzip')
            .send(gzipSync(JSON.stringify(GOOD_USER))),
      ],
      ['a garbage Bearer token', 401, (r) => r.get('/users/me').set('Authorization', "Bearer ..%%..'")],
      ['an empty Authorization scheme', 401, (r) => r.get('/users/me').set('Authorization', 'Basic')],
      ['a garbage cookie', 401, (r) => r.get('/users/me').set('Cookie', 'sid=%%%; sid=s%3A; =;')],
      ['a huge query string', 200, (r) => r.get(`/health?${'a=1&'.repeat(2000)}`)],
    ])('%s answers %i, never 500', async (_, status, send) => {
      const res = await send(request(t.http));
      expect(res.status).toBe(status);
      if (status >= 400) expect(res.body).toMatchObject({ statusCode: status });
    });
  });

  describe('headers', () => {
    it.each(['/health', '/no/such/route', '/users/me', '/docs-json'])(
      "an API answer's security headers on %s, no X-Powered-By",
      async (path) => {
        const res = await request(t.http).get(path);
        expect(res.headers['x-powered-by']).toBeUndefined();
        // No ETag on either adapter: nothing here is cached by validation.
        expect(res.headers.etag).toBeUndefined();
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-frame-options']).toBe('DENY');
        expect(res.headers['strict-transport-security']).toMatch(/max-age=\d+/);
        expect(res.headers['referrer-policy']).toBe('no-referrer');
        expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
        // Nothing may load, run or frame it: a stricter CSP than a page's.
        expect(res.headers['content-security-policy']).toBe("default-src 'none'; frame-ancestors 'none'");
        // The headers that speak to HTML documents only stay on the documentation pages.
        for (const name of ['cross-origin-opener-policy', 'origin-agent-cluster', 'x-dns-prefetch-control'])
          expect(res.headers[name]).toBeUndefined();
      },
    );

    it("gives the documentation pages, the only HTML, helmet's headers instead", async () => {
      for (const path of ['/docs', '/docs/swagger-auth.js']) {
        const res = await request(t.http).get(path).expect(200);
        expect(res.headers['x-frame-options']).toBe('SAMEORIGIN');
        expect(res.headers['content-security-policy']).toMatch(/(^|;)default-src 'self'(;|$)/);
        expect(res.headers['content-security-policy']).toMatch(/(^|;)script-src 'self'(;|$)/);
        expect(res.headers['cross-origin-opener-policy']).toBe('same-origin');
        expect(res.headers['origin-agent-cluster']).toBe('?1');
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(res.headers['x-powered-by']).toBeUndefined();
      }
    });

    it('security headers and no X-Powered-By on an error raised before routing (413)', async () => {
      const res = await request(t.http)
        .post('/users')
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ a: 'x'.repeat(150 * 1024) }))
        .expect(413);
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['x-content-type-options']).toBe('nosniff');
    });

    it.each<[string, (r: ReturnType<typeof request>) => request.Test]>([
      ['POST /users', (r) => r.post('/users').send({ ...GOOD_USER, email: 'cache@example.com' })],
      ['POST /users (400)', (r) => r.post('/users').send({})],
      ['GET /users/me', (r) => r.get('/users/me')],
      ['GET /auth/session/csrf', (r) => r.get('/auth/session/csrf')],
      ['POST /auth/jwt/login', (r) => r.post('/auth/jwt/login').send({ email: 'a@b.c', password: 'x' })],
      ['GET /auth', (r) => r.get('/auth')],
      ['GET /admin/audit', (r) => r.get('/admin/audit')],
    ])('Cache-Control: no-store on %s', async (_, send) => {
      const res = await send(request(t.http));
      expect(res.status).toBeLessThan(500);
      expect(res.headers['cache-control']).toBe('no-store');
    });

    it('a path that merely starts with the same letters is not private', async () => {
      const res = await request(t.http).get('/usersettings').expect(404);
      expect(res.headers['cache-control']).toBeUndefined();
    });
  });

  describe('CORS off by default', () => {
    it('never echoes an Origin, on a simple request or a preflight', async () => {
      const simple = await request(t.http).get('/health').set('Origin', 'https://app.example').expect(200);
      expect(simple.headers['access-control-allow-origin']).toBeUndefined();
      expect(simple.headers['access-control-allow-credentials']).toBeUndefined();
      const preflight = await request(t.http)
        .options('/users')
        .set('Origin', 'https://app.example')
        .set('Access-Control-Request-Method', 'POST')
        .set('Access-Control-Request-Headers', 'content-type');
      expect(preflight.status).toBeLessThan(500);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      expect(preflight.headers['access-control-allow-methods']).toBeUndefined();
    });
  });
});

describe('HTTP edges with CORS_ORIGINS (e2e)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ env: { CORS_ORIGINS: 'https://app.example' } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('echoes the listed origin with credentials on a preflight and on the request', async () => {
    const preflight = await request(t.http)
      .options('/users')
      .set('Origin', 'https://app.example')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'content-type,x-csrf-token');
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(preflight.headers['access-control-allow-credentials']).toBe('true');
    expect(preflight.headers['access-control-allow-headers']).toMatch(/X-CSRF-Token/i);
    expect(preflight.headers.vary).toMatch(/Origin/);

    const res = await request(t.http).get('/health').set('Origin', 'https://app.example').expect(200);
    expect(res.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    expect(res.headers['access-control-expose-headers']).toMatch(/X-Request-Id/);
  });

  it.each(['https://evil.example', 'https://app.example.evil.example', 'http://app.example', 'null'])(
    'never echoes %s',
    async (origin) => {
      const preflight = await request(t.http)
        .options('/users')
        .set('Origin', origin)
        .set('Access-Control-Request-Method', 'POST');
      expect(preflight.status).toBeLessThan(500);
      expect(preflight.headers['access-control-allow-origin']).toBeUndefined();
      // (The `cors` package sends Allow-Credentials regardless; without Allow-Origin a browser ignores it.)
      const res = await request(t.http).get('/health').set('Origin', origin).expect(200);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    },
  );
});

describe('An unexpected error (e2e)', () => {
  const SECRET_DETAIL = 'SELECT passwordHash FROM users WHERE 1=1 -- /srv/app/secret-path';
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({
      customize: (builder) =>
        builder.overrideProvider(UsersService).useValue({
          create: (): Promise<never> => Promise.reject(new Error(SECRET_DETAIL)),
        }),
    });
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows only a generic 500, with no stack, SQL or message', async () => {
    const res = await request(t.http).post('/users').send(GOOD_USER).expect(500);
    expect(res.body).toEqual({ statusCode: 500, message: 'Internal server error', error: 'Internal Server Error' });
    expect(res.text).not.toMatch(/SELECT|secret-path|at \w|\.ts:|\.js:/);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['cache-control']).toBe('no-store');
  });
});
