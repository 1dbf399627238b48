import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import request from 'supertest';
import { createTestApp, type TestApp } from './support/test-app.js';

/**
 * The OpenAPI document must agree with the HTTP contract. `docs/api.md` is this repository's copy
 * of the contract; where the workspace's `../shared/api.md` is present it must be identical, so a
 * change to the contract shows up here as a failing test until the server follows it.
 */
const ROOT = join(import.meta.dirname, '..');
const CONTRACT = readFileSync(join(ROOT, 'docs/api.md'), 'utf8');

interface ContractRoute {
  method: string;
  path: string;
  statuses: string[];
}

const ROUTE = /`(GET|POST|PUT|PATCH|DELETE) ([^`?\s]+)[^`]*`/g;
const statusesIn = (text: string): string[] => [...text.matchAll(/`([1-5]\d\d)\b/g)].map((s) => s[1]!);
const route = (method: string, path: string, statuses: string[]): ContractRoute => ({
  method: method.toLowerCase(),
  path: path.replace(/:(\w+)/g, '{$1}'),
  statuses,
});

/**
 * Each table row of api.md naming routes: `| \`GET /x/:id\` ... | \`200 ...\`; \`404\` ... |`. Every
 * route of the first cell gets the answer's statuses; a route the answer names itself
 * (`...; \`DELETE /x/:id\` \`204\``) gets the statuses that follow it, and they are not the first's.
 */
function contractRoutes(markdown: string): ContractRoute[] {
  const routes: ContractRoute[] = [];
  for (const line of markdown.split('\n')) {
    const m = /^\| (`(?:GET|POST|PUT|PATCH|DELETE) [^|]*)\|(.*)\|\s*$/.exec(line);
    if (!m) continue;
    const answer = m[2]!;
    const named = [...answer.matchAll(ROUTE)];
    const own = named.length > 0 ? answer.slice(0, named[0]!.index) : answer;
    for (const r of m[1]!.matchAll(ROUTE)) routes.push(route(r[1]!, r[2]!, statusesIn(own)));
    named.forEach((r, i) => {
      const after = answer.slice(r.index + r[0].length, named[i + 1]?.index ?? answer.length);
      routes.push(route(r[1]!, r[2]!, statusesIn(after)));
    });
  }
  return routes;
}

describe('The OpenAPI document agrees with api.md (e2e)', () => {
  let t: TestApp;
  let doc: {
    paths: Record<string, Record<string, { responses: Record<string, unknown>; security?: Record<string, unknown>[] }>>;
    components: { securitySchemes: Record<string, { type: string; in?: string; scheme?: string }> };
  };
  beforeAll(async () => {
    t = await createTestApp();
    doc = (await request(t.http).get('/docs-json').expect(200)).body as typeof doc;
  });
  afterAll(async () => {
    await t.close();
  });

  it('uses the same contract as the workspace', () => {
    const shared = join(ROOT, '../shared/api.md');
    if (existsSync(shared)) expect(readFileSync(shared, 'utf8')).toBe(CONTRACT);
    expect(contractRoutes(CONTRACT).length).toBeGreaterThanOrEqual(17);
  });

  it.each(contractRoutes(CONTRACT).map((r) => [`${r.method.toUpperCase()} ${r.path}`, r] as const))(
    'documents %s with the statuses api.md names',
    (_, route) => {
      const op = doc.paths[route.path]?.[route.method];
      expect(op).toBeDefined();
      for (const status of route.statuses) expect(Object.keys(op!.responses)).toContain(status);
    },
  );

  it('names a cookie scheme and a Bearer scheme, and every credentialed route lists the schemes it accepts', () => {
    const schemes = Object.values(doc.components.securitySchemes);
    expect(schemes).toContainEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie' }));
    expect(schemes).toContainEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    const open = new Set([
      'post /users',
      'post /auth/session/login',
      'post /auth/jwt/login',
      'post /auth/jwt/refresh',
      'post /auth/mfa/verify',
      'post /auth/passkey/options',
      'post /auth/session/passkey',
      'post /auth/jwt/passkey',
      'get /.well-known/jwks.json',
      'get /health',
      'get /health/live',
      'get /health/ready',
      'post /auth/password/forgot',
      'post /auth/password/reset',
      'post /auth/email/verify',
      'post /auth/email/resend',
    ]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (open.has(`${method} ${path}`)) continue;
        expect([`${method} ${path}`, (op.security ?? []).length]).not.toEqual([`${method} ${path}`, 0]);
        expect(Object.keys(op.responses)).toContain('401');
      }
    }
  });
});
