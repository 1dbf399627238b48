import { DataSource } from 'typeorm';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import { MailToken } from '../../src/account/tokens/mail-token.entity.js';
import { PASSWORD, register, sessionLogin, STORES } from '../support/http.js';
import { Mailbox, tokenIn } from '../support/mailbox.js';
import { createTestApp, type TestApp } from '../support/test-app.js';

const APP_URL = 'https://auth.example.test';
const NEW_PASSWORD = 'a brand new passphrase of mine';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

const jwtLogin = async (http: App, email: string, password = PASSWORD): Promise<Pair> =>
  (await request(http).post('/auth/jwt/login').send({ email, password }).expect(200)).body as Pair;
const forgot = (http: App, email: string) => request(http).post('/auth/password/forgot').send({ email });
const reset = (http: App, token: string, newPassword = NEW_PASSWORD) =>
  request(http).post('/auth/password/reset').send({ token, newPassword });

describe.each(STORES)('Password reset on the %s (e2e)', (_, storeEnv) => {
  let t: TestApp;
  let mailbox: Mailbox;
  beforeAll(async () => {
    mailbox = await Mailbox.start();
    t = await createTestApp({ env: { ...storeEnv(), SMTP_URL: mailbox.url, APP_URL, MAIL_FROM: 'auth@example.test' } });
  });
  afterAll(async () => {
    await t.close();
    await mailbox.close();
  });

  /** A registered user whose sign-up mail has been taken out of the mailbox. */
  async function user(): Promise<{ id: string; email: string }> {
    const u = await register(t.http);
    await mailbox.next(u.email);
    return u;
  }

  async function resetToken(email: string): Promise<string> {
    await forgot(t.http, email).expect(202);
    return tokenIn(await mailbox.next(email), '/reset-password');
  }

  it('mails a link over SMTP, in a text and an HTML part, built from APP_URL, with a token of 256 bits', async () => {
    const u = await user();
    await forgot(t.http, u.email).expect(202);
    const mail = await mailbox.next(u.email);
    expect(mail.from?.value[0]?.address).toBe('auth@example.test');
    expect(mail.subject).toBe('Reset your password');
    const token = tokenIn(mail, '/reset-password');
    expect(Buffer.from(token, 'base64url')).toHaveLength(32);
    expect(mail.text).toContain(`${APP_URL}/reset-password?token=${token}`);
    expect(mail.html).toContain(`href="${APP_URL}/reset-password?token=${token}"`);
    // Only the hash is stored.
    const rows = await t.app.get(DataSource).getRepository(MailToken).findBy({ userId: u.id });
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('reset ends every earlier cookie session, access token and refresh token at once; the new password works', async () => {
    const u = await user();
    const browser = await sessionLogin(t.http, u.email);
    const pair = await jwtLogin(t.http, u.email);
    const token = await resetToken(u.email);

    await reset(t.http, token).expect(204);

    await request(t.http).get('/users/me').set('Cookie', browser.cookie).expect(401);
    await request(t.http).get('/users/me').set('Authorization', `Bearer ${pair.accessToken}`).expect(401);
    await request(t.http).post('/auth/jwt/refresh').send({ refreshToken: pair.refreshToken }).expect(401);
    await request(t.http).post('/auth/jwt/login').send({ email: u.email, password: PASSWORD }).expect(401);
    const fresh = await jwtLogin(t.http, u.email, NEW_PASSWORD);
    const me = await request(t.http).get('/users/me').set('Authorization', `Bearer ${fresh.accessToken}`).expect(200);
    // The link proved the mailbox.
    expect((me.body as { emailVerified: boolean }).emailVerified).toBe(true);
    const activity = await request(t.http)
      .get('/users/me/activity')
      .set('Authorization', `Bearer ${fresh.accessToken}`)
      .expect(200);
    expect((activity.body as { events: { type: string }[] }).events.map((e) => e.type)).toContain('password.reset');
  });

  it('refuses a spent, a superseded, an expired and an unknown token with 400', async () => {
    const u = await user();
    const spent = await resetToken(u.email);
    await reset(t.http, spent).expect(204);
    const refused = await reset(t.http, spent, 'yet another passphrase here').expect(400);
    expect(refused.body).toEqual({ statusCode: 400, message: 'Invalid or expired token', error: 'Bad Request' });

    const older = await resetToken(u.email);
    const newer = await resetToken(u.email);
    await reset(t.http, older).expect(400);

    await t.app
      .get(DataSource)
      .getRepository(MailToken)
      .update({ userId: u.id }, { expiresAt: new Date(Date.now() - 1000) });
    await reset(t.http, newer).expect(400);

    for (const garbage of ['x'.repeat(43), 'short', 'A'.repeat(256), "' OR 1=1 --"])
      await reset(t.http, garbage).expect(400);
    // None of it changed the password set by the one good token.
    await jwtLogin(t.http, u.email, NEW_PASSWORD);
  });

  it('two racing resets with one token: exactly one 204', async () => {
    const u = await user();
    const token = await resetToken(u.email);
    const [a, b] = await Promise.all([
      reset(t.http, token, 'first racing passphrase'),
      reset(t.http, token, 'second racing passphrase'),
    ]);
    expect([a.status, b.status].sort()).toEqual([204, 400]);
    const winner = a.status === 204 ? 'first racing passphrase' : 'second racing passphrase';
    await jwtLogin(t.http, u.email, winner);
  });

  it('an invalid or common new password is a 400 that does not spend the token', async () => {
    const u = await user();
    const token = await resetToken(u.email);
    await reset(t.http, token, 'short').expect(400);
    const common = await reset(t.http, token, 'qwerty123456').expect(400);
    expect(JSON.stringify(common.body)).toContain('commonly used');
    await reset(t.http, token).expect(204);
  });

  it('answers forgot byte for byte alike for a known and an unknown email, and mails only the known one', async () => {
    const u = await user();
    const known = await forgot(t.http, u.email).expect(202);
    const unknown = await forgot(t.http, `nobody-${u.id}@example.com`).expect(202);
    expect(unknown.text).toBe(known.text);
    expect(unknown.headers['content-type']).toBe(known.headers['content-type']);
    expect(unknown.headers['content-length']).toBe(known.headers['content-length']);
    await mailbox.next(u.email);
  });

  it('limits forgot to 3 a quarter-hour per email (429), known or not, and a bad body is a 400', async () => {
    for (const email of [`limited-${Date.now()}@example.com`, (await user()).email]) {
      for (let i = 0; i < 3; i++) await forgot(t.http, email).expect(202);
      const res = await forgot(t.http, email).expect(429);
      expect(res.headers['retry-after']).toBeDefined();
    }
    await forgot(t.http, 'not an email').expect(400);
    await request(t.http)
      .post('/auth/password/forgot')
      .send({ email: { $ne: null } })
      .expect(400);
  });
});

describe('Password reset limits per IP (e2e)', () => {
  it('past LOGIN_RATE_PER_IP a minute from one IP: 429', async () => {
    const t = await createTestApp({ env: { LOGIN_RATE_PER_IP: '2' } });
    try {
      await forgot(t.http, 'a@example.com').expect(202);
      await forgot(t.http, 'b@example.com').expect(202);
      await forgot(t.http, 'c@example.com').expect(429);
    } finally {
      await t.close();
    }
  });
});
