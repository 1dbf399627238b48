import { randomUUID } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { PASSWORD } from '../support/http.js';
import {
  type DocsPage,
  type Shown,
  expectStatus,
  launchChromium,
  openDocs as openDocsPage,
  tryItOut,
} from '../support/swagger-page.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * Both sign-in styles, driven through Swagger UI in Debian's Chromium: every call is made by
 * clicking "Try it out" and "Execute", and each step checks the status code the page shows.
 */
const ARTIFACTS = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
const TEST_TIMEOUT = 180_000;

// A name that is not loopback, resolved to 127.0.0.1 by Chromium itself: browsers treat localhost
// as secure and would hide a page that only works there.
const OTHER_HOST = 'docs.test';

let t: TestApp;
let port: number;
let origin: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  t = await createTestApp();
  await t.app.listen(0, '127.0.0.1');
  port = (t.app.getHttpServer().address() as AddressInfo).port;
  origin = `http://127.0.0.1:${port}`;
  browser = await launchChromium(`MAP ${OTHER_HOST} 127.0.0.1`);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
}, 60_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

/** Swagger UI on a fresh browser profile, closed after the test. */
async function openDocs(base = origin): Promise<DocsPage> {
  const docs = await openDocsPage(browser, base);
  contexts.push(docs.context);
  return docs;
}

async function register(page: Page): Promise<string> {
  const email = `ui-${randomUUID()}@example.com`;
  const shown = await tryItOut(page, 'POST', '/users', {
    body: { email, password: PASSWORD, displayName: 'UI tester' },
  });
  expectStatus(shown, 201, 'POST /users');
  expect(JSON.parse(shown.text)).toMatchObject({ email });
  return email;
}

/**
 * Keeps what the page showed for the last step: that operation's block, not the whole page. The
 * whole page, every operation the test opened, grows to tens of thousands of pixels, and Chromium
 * took longer than a step's timeout to paint it on a loaded CI machine.
 */
async function screenshot(shown: Shown, name: string): Promise<void> {
  mkdirSync(ARTIFACTS, { recursive: true });
  await shown.block.screenshot({ path: join(ARTIFACTS, name) });
}

/** Waits until the Authorize button shows a closed (true) or an open (false) lock. */
async function authorized(page: Page, locked: boolean): Promise<void> {
  const button = '.auth-wrapper button.authorize';
  await page.locator(button).waitFor();
  await page.waitForFunction(`document.querySelector('${button}').classList.contains('locked') === ${locked}`);
}

describe('Swagger UI in Chromium (e2e)', () => {
  it(
    'cookie style: login keeps an HttpOnly cookie, and state-changing calls carry X-CSRF-Token by themselves',
    async () => {
      const a = await openDocs();
      const email = await register(a.page);

      // A second session of the same user, from another browser, to end from the first.
      const b = await openDocs();
      expectStatus(
        await tryItOut(b.page, 'POST', '/auth/session/login', { body: { email, password: PASSWORD } }),
        200,
        'login in browser B',
      );
      expectStatus(await tryItOut(b.page, 'GET', '/users/me'), 200, 'GET /users/me in browser B');

      const login = await tryItOut(a.page, 'POST', '/auth/session/login', { body: { email, password: PASSWORD } });
      expectStatus(login, 200, 'POST /auth/session/login');
      const { csrfToken } = JSON.parse(login.text) as { csrfToken: string };
      const cookies = await a.context.cookies();
      expect(cookies).toContainEqual(
        expect.objectContaining({ name: 'sid', httpOnly: true, sameSite: 'Lax', path: '/' }),
      );
      // The cookie is out of reach of the page's scripts.
      expect(await a.page.evaluate('document.cookie')).not.toMatch(/sid=/);

      const me = await tryItOut(a.page, 'GET', '/users/me');
      expectStatus(me, 200, 'GET /users/me');
      expect(JSON.parse(me.text)).toMatchObject({ email });
      expect(me.headers['authorization']).toBeUndefined();

      const list = await tryItOut(a.page, 'GET', '/auth/sessions');
      expectStatus(list, 200, 'GET /auth/sessions');
      const sessions = JSON.parse(list.text) as { id: string; kind: string; current: boolean }[];
      expect(sessions).toHaveLength(2);
      expect(sessions.filter((s) => s.current)).toHaveLength(1);
      const other = sessions.find((s) => !s.current)!;
      expect(other.kind).toBe('cookie');

      // No token was typed in anywhere: the page added it, and without it the answer would be 403.
      const end = await tryItOut(a.page, 'DELETE', '/auth/sessions/{id}', { params: { id: other.id } });
      expectStatus(end, 204, 'DELETE /auth/sessions/{id}');
      expect(end.headers['x-csrf-token']).toBe(csrfToken);
      expectStatus(
        await tryItOut(b.page, 'GET', '/users/me'),
        401,
        'GET /users/me in browser B after its session ended',
      );

      // After a reload the token is learnt again from GET /auth/session/csrf, still with no typing.
      await a.page.reload({ waitUntil: 'load' });
      await a.page.locator('.opblock').first().waitFor();
      const logout = await tryItOut(a.page, 'POST', '/auth/session/logout');
      expectStatus(logout, 204, 'POST /auth/session/logout after a reload');
      expect(logout.headers['x-csrf-token']).toBe(csrfToken);
      const out = await tryItOut(a.page, 'GET', '/users/me');
      expectStatus(out, 401, 'GET /users/me after logout');

      await screenshot(out, 'swagger-ui-cookie.png');
      expect([...a.problems, ...b.problems]).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'JWT style: login authorizes the page with the access token, which survives a reload, and refresh works by the cookie',
    async () => {
      const c = await openDocs();
      const email = await register(c.page);
      await authorized(c.page, false);

      const login = await tryItOut(c.page, 'POST', '/auth/jwt/login', { body: { email, password: PASSWORD } });
      expectStatus(login, 200, 'POST /auth/jwt/login');
      const first = JSON.parse(login.text) as { accessToken: string };
      await authorized(c.page, true);
      // Only the refresh cookie: no session cookie could be what authenticates below.
      expect((await c.context.cookies()).map((k) => k.name)).toEqual(['refresh_token']);

      const me = await tryItOut(c.page, 'GET', '/users/me');
      expectStatus(me, 200, 'GET /users/me with the Bearer token');
      expect(JSON.parse(me.text)).toMatchObject({ email });
      expect(me.headers['authorization']).toBe(`Bearer ${first.accessToken}`);

      await c.page.reload({ waitUntil: 'load' });
      await c.page.locator('.opblock').first().waitFor();
      const again = await tryItOut(c.page, 'GET', '/users/me');
      expectStatus(again, 200, 'GET /users/me after a reload');
      expect(again.headers['authorization']).toBe(`Bearer ${first.accessToken}`);

      // The example body `{}` sends no token: the HttpOnly refresh cookie is what is spent.
      const refresh = await tryItOut(c.page, 'POST', '/auth/jwt/refresh', { body: {} });
      expectStatus(refresh, 200, 'POST /auth/jwt/refresh');
      expect(refresh.headers['cookie']).toMatch(/refresh_token=/);
      const second = JSON.parse(refresh.text) as { accessToken: string };
      expect(second.accessToken).not.toBe(first.accessToken);

      const after = await tryItOut(c.page, 'GET', '/users/me');
      expectStatus(after, 200, 'GET /users/me with the refreshed token');
      expect(after.headers['authorization']).toBe(`Bearer ${second.accessToken}`);

      // Signing out from the page also forgets the token there.
      expectStatus(await tryItOut(c.page, 'POST', '/auth/jwt/logout'), 204, 'POST /auth/jwt/logout');
      await authorized(c.page, false);
      const gone = await tryItOut(c.page, 'GET', '/users/me');
      expectStatus(gone, 401, 'GET /users/me after JWT logout');
      expect(gone.headers['authorization']).toBeUndefined();

      await screenshot(gone, 'swagger-ui-jwt.png');
      expect(c.problems).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'a password change from the page keeps it signed in, in either style',
    async () => {
      const e = await openDocs();
      const email = await register(e.page);
      const next = 'a new passphrase typed in the page';

      // Cookie style: the answer's new session and CSRF token take over.
      expectStatus(
        await tryItOut(e.page, 'POST', '/auth/session/login', { body: { email, password: PASSWORD } }),
        200,
        'POST /auth/session/login',
      );
      const change = await tryItOut(e.page, 'POST', '/users/me/password', {
        body: { currentPassword: PASSWORD, newPassword: next },
      });
      expectStatus(change, 200, 'POST /users/me/password (cookie)');
      const { csrfToken } = JSON.parse(change.text) as { csrfToken: string };
      expectStatus(await tryItOut(e.page, 'GET', '/users/me'), 200, 'GET /users/me after the change (cookie)');
      const patch = await tryItOut(e.page, 'PATCH', '/users/me', { body: { displayName: 'Changed' } });
      expectStatus(patch, 200, 'PATCH /users/me after the change (cookie)');
      expect(patch.headers['x-csrf-token']).toBe(csrfToken);
      expectStatus(await tryItOut(e.page, 'POST', '/auth/session/logout'), 204, 'POST /auth/session/logout');

      // JWT style: the answer's new access token authorizes the page.
      const login = await tryItOut(e.page, 'POST', '/auth/jwt/login', { body: { email, password: next } });
      expectStatus(login, 200, 'POST /auth/jwt/login');
      const first = JSON.parse(login.text) as { accessToken: string };
      await authorized(e.page, true);
      const jwtChange = await tryItOut(e.page, 'POST', '/users/me/password', {
        body: { currentPassword: next, newPassword: PASSWORD },
      });
      expectStatus(jwtChange, 200, 'POST /users/me/password (JWT)');
      const pair = JSON.parse(jwtChange.text) as { accessToken: string };
      const me = await tryItOut(e.page, 'GET', '/users/me');
      expectStatus(me, 200, 'GET /users/me after the change (JWT)');
      expect(me.headers['authorization']).toBe(`Bearer ${pair.accessToken}`);
      expect(pair.accessToken).not.toBe(first.accessToken);
      const refresh = await tryItOut(e.page, 'POST', '/auth/jwt/refresh', { body: {} });
      expectStatus(refresh, 200, 'refresh by the new cookie');

      await screenshot(refresh, 'swagger-ui-password-change.png');
      expect(e.problems).toEqual([]);
    },
    TEST_TIMEOUT,
  );

  it(
    'works over plain HTTP under a host name that is not loopback: nothing is upgraded to HTTPS',
    async () => {
      const d = await openDocs(`http://${OTHER_HOST}:${port}`);
      await register(d.page);
      expect(d.failed).toEqual([]);
      // Chrome notes that it ignores Cross-Origin-Opener-Policy on an http origin: not a fault of the page.
      expect(d.problems.filter((p) => !p.includes('Cross-Origin-Opener-Policy'))).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
