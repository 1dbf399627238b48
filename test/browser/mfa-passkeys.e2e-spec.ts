import jsqr from 'jsqr';
import { generate } from 'otplib';
import { PNG } from 'pngjs';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import request from 'supertest';
import { randomUUID } from 'node:crypto';
import { TOTP_PERIOD_SECONDS } from '../../src/mfa/totp.js';
import { freePort } from '../../bench/lib/free-port.js';
import { PASSWORD } from '../support/http.js';
import { expectStatus, launchChromium, openDocs, tryItOut } from '../support/swagger-page.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

/**
 * The second factor and passkeys in Debian's Chromium: passkeys made and used by the browser's own
 * WebAuthn code against a CDP virtual authenticator (internal, resident keys, user verification), a
 * TOTP enrolment done in Swagger UI by clicking, and the enrolment's QR code scanned from a screenshot.
 */
const TEST_TIMEOUT = 120_000;

// jsqr is CommonJS whose module.exports is the function (with a `default` pointing to itself).
const jsQR = (jsqr as unknown as { default: typeof jsqr }).default as unknown as (
  data: Uint8ClampedArray,
  width: number,
  height: number,
) => { data: string } | null;

let t: TestApp;
let origin: string;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  // A free port, so APP_URL (the WebAuthn origin) can be known before the app starts.
  const port = await freePort();
  // localhost: a secure context over plain HTTP, and a valid RP id (an IP address is not one).
  origin = `http://localhost:${port}`;
  t = await createTestApp({ env: { APP_URL: origin } });
  await t.app.listen(port, '127.0.0.1');
  browser = await launchChromium('MAP localhost 127.0.0.1');
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
}, 60_000);

afterEach(async () => {
  await Promise.all(contexts.splice(0).map((c) => c.close()));
});

/** A page of the app's origin, served by the test, with a virtual platform authenticator attached. */
async function passkeyPage(): Promise<Page> {
  const context = await browser.newContext({ baseURL: origin });
  contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.route(`${origin}/passkey-test`, (route) =>
    route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>passkeys</title><p>test page</p>' }),
  );
  await page.goto('/passkey-test');
  const cdp = await context.newCDPSession(page);
  await cdp.send('WebAuthn.enable');
  await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  return page;
}

interface PageAnswer {
  status: number;
  body: Record<string, unknown>;
}

/**
 * In the page: register a passkey with the account's Bearer token, through the JSON forms of
 * WebAuthn L3 (parseCreationOptionsFromJSON, toJSON). Written as page source: this project's
 * TypeScript has no DOM types.
 */
const registerInPage = (page: Page, accessToken: string): Promise<PageAnswer> =>
  page.evaluate(`(async () => {
    const auth = { authorization: 'Bearer ${accessToken}', 'content-type': 'application/json' };
    const options = await (await fetch('/users/me/passkeys/options', { method: 'POST', headers: auth })).json();
    const credential = await navigator.credentials.create({
      publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options),
    });
    const res = await fetch('/users/me/passkeys', {
      method: 'POST',
      headers: auth,
      body: JSON.stringify({ credential: credential.toJSON(), name: 'Chromium' }),
    });
    return { status: res.status, body: await res.json() };
  })()`);

/** In the page: a discoverable sign-in (no user named) for the given style. */
const signInInPage = (page: Page, style: 'session' | 'jwt'): Promise<PageAnswer> =>
  page.evaluate(`(async () => {
    const options = await (await fetch('/auth/passkey/options', { method: 'POST' })).json();
    const credential = await navigator.credentials.get({
      publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options),
    });
    const res = await fetch('/auth/${style}/passkey', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ credential: credential.toJSON() }),
    });
    return { status: res.status, body: await res.json() };
  })()`);

describe('Second factor and passkeys in Chromium (e2e)', () => {
  it(
    'registers a passkey with a virtual authenticator and signs in with it in both styles',
    async () => {
      const email = `pk-${randomUUID()}@example.com`;
      await request(t.http).post('/users').send({ email, password: PASSWORD }).expect(201);
      const login = await request(t.http).post('/auth/jwt/login').send({ email, password: PASSWORD }).expect(200);
      const page = await passkeyPage();

      const registered = await registerInPage(page, (login.body as { accessToken: string }).accessToken);
      expect(registered).toMatchObject({ status: 201, body: { name: 'Chromium', lastUsedAt: null } });

      const jwt = await signInInPage(page, 'jwt');
      expect(jwt.status).toBe(200);
      const me = await request(t.http)
        .get('/users/me')
        .set('authorization', `Bearer ${jwt.body.accessToken as string}`)
        .expect(200);
      expect(me.body).toMatchObject({ email });

      const session = await signInInPage(page, 'session');
      expect(session).toMatchObject({ status: 200, body: { user: { email } } });
      // The browser now holds the HttpOnly session cookie and is signed in by it.
      const byCookie = await page.evaluate<{
        status: number;
        body: { current: boolean; method: string; kind: string }[];
      }>(`(async () => {
        const res = await fetch('/auth/sessions');
        return { status: res.status, body: await res.json() };
      })()`);
      expect(byCookie.status).toBe(200);
      expect(byCookie.body.find((s) => s.current)).toMatchObject({ kind: 'cookie', method: 'passkey' });
    },
    TEST_TIMEOUT,
  );

  it(
    'the enrolment QR code, rendered and screenshotted in Chromium, scans to the same otpauth URI',
    async () => {
      const email = `qr-${randomUUID()}@example.com`;
      await request(t.http).post('/users').send({ email, password: PASSWORD }).expect(201);
      const login = await request(t.http).post('/auth/jwt/login').send({ email, password: PASSWORD }).expect(200);
      const enrol = await request(t.http)
        .post('/users/me/mfa/totp')
        .set('authorization', `Bearer ${(login.body as { accessToken: string }).accessToken}`)
        .expect(200);
      const { qrCodeSvg, otpauthUri } = enrol.body as { qrCodeSvg: string; otpauthUri: string };
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.setContent(
        `<!doctype html><body style="margin:0;background:#fff"><div id="qr" style="width:400px;height:400px">${qrCodeSvg}</div></body>`,
      );
      const png = PNG.sync.read(await page.locator('#qr').screenshot());
      const decoded = jsQR(new Uint8ClampedArray(png.data), png.width, png.height);
      expect(decoded?.data).toBe(otpauthUri);
    },
    TEST_TIMEOUT,
  );

  it(
    'TOTP enrolment by clicking in Swagger UI: enrol, confirm with a code, then a login asks for the second step, which the page finishes',
    async () => {
      const { page, context, problems } = await openDocs(browser, origin);
      contexts.push(context);
      const email = `ui-${randomUUID()}@example.com`;
      expectStatus(await tryItOut(page, 'POST', '/users', { body: { email, password: PASSWORD } }), 201, 'POST /users');
      expectStatus(
        await tryItOut(page, 'POST', '/auth/jwt/login', { body: { email, password: PASSWORD } }),
        200,
        'POST /auth/jwt/login',
      );

      const enrol = await tryItOut(page, 'POST', '/users/me/mfa/totp');
      expectStatus(enrol, 200, 'POST /users/me/mfa/totp');
      const { secret } = JSON.parse(enrol.text) as { secret: string };
      const confirm = await tryItOut(page, 'POST', '/users/me/mfa/totp/confirm', {
        body: { code: await generate({ secret }) },
      });
      expectStatus(confirm, 200, 'POST /users/me/mfa/totp/confirm');
      expect((JSON.parse(confirm.text) as { recoveryCodes: string[] }).recoveryCodes).toHaveLength(10);

      const login = await tryItOut(page, 'POST', '/auth/jwt/login', { body: { email, password: PASSWORD } });
      expectStatus(login, 200, 'POST /auth/jwt/login with the second factor on');
      const { mfaToken, mfaRequired } = JSON.parse(login.text) as { mfaToken: string; mfaRequired: boolean };
      expect(mfaRequired).toBe(true);
      const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + TOTP_PERIOD_SECONDS });
      const verify = await tryItOut(page, 'POST', '/auth/mfa/verify', { body: { mfaToken, code: next } });
      expectStatus(verify, 200, 'POST /auth/mfa/verify');
      const { accessToken } = JSON.parse(verify.text) as { accessToken: string };
      // The page authorized itself with the new token, as after a login.
      const me = await tryItOut(page, 'GET', '/users/me');
      expectStatus(me, 200, 'GET /users/me after the second step');
      expect(me.headers['authorization']).toBe(`Bearer ${accessToken}`);
      expect(problems).toEqual([]);
    },
    TEST_TIMEOUT,
  );
});
