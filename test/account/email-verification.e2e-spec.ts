import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import request from 'supertest';
import { PASSWORD, register, sessionLogin, sleep } from '../support/http.js';
import { Mailbox, tokenIn } from '../support/mailbox.js';
import { createTestApp, newDataDir, type TestApp } from '../support/test-app.js';

const APP_URL = 'https://auth.example.test';
const verify = (t: TestApp, token: string) => request(t.http).post('/auth/email/verify').send({ token });

describe('Email verification over SMTP (e2e)', () => {
  let t: TestApp;
  let mailbox: Mailbox;
  beforeAll(async () => {
    mailbox = await Mailbox.start();
    t = await createTestApp({ env: { SMTP_URL: mailbox.url, APP_URL, REQUIRE_EMAIL_VERIFICATION: 'true' } });
  });
  afterAll(async () => {
    await t.close();
    await mailbox.close();
  });

  it('sign-up mails a working link; the token is single-use; then the user can sign in', async () => {
    const u = await register(t.http);
    const mail = await mailbox.next(u.email);
    expect(mail.subject).toBe('Confirm your email address');
    const token = tokenIn(mail, '/verify-email');
    expect(mail.text).toContain(`${APP_URL}/verify-email?token=${token}`);
    expect(mail.html).toContain(`${APP_URL}/verify-email?token=${token}`);
    await request(t.http).post('/auth/jwt/login').send({ email: u.email, password: PASSWORD }).expect(403);

    await verify(t, token).expect(204);
    const again = await verify(t, token).expect(400);
    expect(again.body).toEqual({ statusCode: 400, message: 'Invalid or expired token', error: 'Bad Request' });
    const login = await request(t.http)
      .post('/auth/jwt/login')
      .send({ email: u.email, password: PASSWORD })
      .expect(200);
    const me = await request(t.http)
      .get('/users/me')
      .set('Authorization', `Bearer ${(login.body as { accessToken: string }).accessToken}`)
      .expect(200);
    expect(me.body).toMatchObject({ emailVerified: true });
    const activity = await request(t.http)
      .get('/users/me/activity')
      .set('Authorization', `Bearer ${(login.body as { accessToken: string }).accessToken}`)
      .expect(200);
    expect((activity.body as { events: { type: string }[] }).events.map((e) => e.type)).toContain('email.verified');
  });

  it('refuses unknown, malformed and reset tokens, and two racing uses of one token give one 204', async () => {
    const u = await register(t.http);
    const token = tokenIn(await mailbox.next(u.email), '/verify-email');
    for (const bad of ['A'.repeat(43), 'nope', '']) await verify(t, bad).expect(400);
    await request(t.http).post('/auth/email/verify').send({ token: 5 }).expect(400);
    // A reset token is no verification token.
    await request(t.http).post('/auth/password/forgot').send({ email: u.email }).expect(202);
    await verify(t, tokenIn(await mailbox.next(u.email), '/reset-password')).expect(400);

    const codes = (await Promise.all([verify(t, token), verify(t, token)])).map((r) => r.status).sort();
    expect(codes).toEqual([204, 400]);
  });

  it('resend: public with an email, alike for any email; a signed-in caller may send {} for its own address', async () => {
    const u = await register(t.http);
    await mailbox.next(u.email);
    const known = await request(t.http).post('/auth/email/resend').send({ email: u.email }).expect(202);
    const unknown = await request(t.http).post('/auth/email/resend').send({ email: 'ghost@example.com' }).expect(202);
    expect(unknown.text).toBe(known.text);
    const first = tokenIn(await mailbox.next(u.email), '/verify-email');

    // Unverified accounts cannot sign in here; turn verification off for a signed-in resend.
    const open = await createTestApp({ env: { SMTP_URL: mailbox.url, APP_URL }, dataDir: t.dataDir });
    try {
      const browser = await sessionLogin(open.http, u.email);
      await request(open.http).post('/auth/email/resend').send({}).expect(401);
      // `null` names no one either (it once reached the user lookup: a 500 on PostgreSQL).
      await request(open.http).post('/auth/email/resend').send({ email: null }).expect(401);
      await request(open.http).post('/auth/email/resend').send({ email: 42 }).expect(400);
      await request(open.http).post('/auth/email/resend').set('Cookie', browser.cookie).send({}).expect(403);
      await request(open.http)
        .post('/auth/email/resend')
        .set({ Cookie: browser.cookie, 'X-CSRF-Token': browser.csrfToken })
        .send({})
        .expect(202);
      const second = tokenIn(await mailbox.next(u.email), '/verify-email');
      expect(second).not.toBe(first);
      await verify(open, second).expect(204);
    } finally {
      await open.close();
    }
  });

  it('limits resend per email like forgot (429)', async () => {
    const email = `resend-limit-${Date.now()}@example.com`;
    for (let i = 0; i < 3; i++) await request(t.http).post('/auth/email/resend').send({ email }).expect(202);
    await request(t.http).post('/auth/email/resend').send({ email }).expect(429);
  });
});

describe('Mail without SMTP_URL: the outbox folder (e2e)', () => {
  it('writes each mail as an .eml file of mode 0600 in data/outbox, with text and HTML parts', async () => {
    // On SQLite in every jest project: the outbox lives next to the database file (./data on PostgreSQL).
    const dataDir = newDataDir();
    const t = await createTestApp({
      env: { APP_URL, DATABASE_URL: `sqlite:${join(dataDir, 'auth.sqlite')}` },
      dataDir,
    });
    try {
      const u = await register(t.http);
      const outbox = join(t.dataDir, 'outbox');
      const mails = () => (existsSync(outbox) ? readdirSync(outbox).filter((f) => f.endsWith('.eml')) : []);
      for (let i = 0; i < 200 && mails().length === 0; i++) await sleep(25);
      // Only whole mails: the one written appears at once under its final name, nothing else is left.
      const files = readdirSync(outbox);
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(/^[^.].*\.eml$/);
      const file = join(outbox, files[0]!);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const mail = await simpleParser(readFileSync(file));
      expect(mail.to && !Array.isArray(mail.to) ? mail.to.value[0]?.address : undefined).toBe(u.email);
      expect(mail.html).toContain(`${APP_URL}/verify-email?token=`);
      await verify(t, tokenIn(mail, '/verify-email')).expect(204);
    } finally {
      await t.close();
    }
  });
});

describe('Mail that cannot be delivered (e2e)', () => {
  /** A TCP server that is no mail server; `sockets` are the connections it holds open. */
  async function notAMailServer(onConnection: (socket: Socket) => void) {
    const sockets = new Set<Socket>();
    let connections = 0;
    const server = createServer((socket) => {
      connections++;
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => undefined);
      onConnection(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    return {
      url: `smtp://127.0.0.1:${port}`,
      sockets,
      connections: () => connections,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          for (const socket of sockets) socket.destroy();
        }),
    };
  }

  // Not a port that was free a moment ago: another test's server, or the client's own source
  // port (a self-connect), may take it, and then nothing refuses.
  it('changes no answer: forgot stays 202 and sign-up 201 when the mail server drops every connection', async () => {
    const smtp = await notAMailServer((socket) => socket.destroy());
    const t = await createTestApp({ env: { SMTP_URL: smtp.url } });
    try {
      const u = await register(t.http);
      await request(t.http).post('/auth/password/forgot').send({ email: u.email }).expect(202);
      await request(t.http).post('/auth/jwt/login').send({ email: u.email, password: PASSWORD }).expect(200);
      for (let i = 0; i < 200 && smtp.connections() < 2; i++) await sleep(25);
      expect(smtp.connections()).toBe(2);
    } finally {
      await t.close();
      await smtp.close();
    }
  });

  it('a mail server that accepts and never greets holds neither an answer nor the shutdown past its timeout', async () => {
    const smtp = await notAMailServer(() => undefined);
    // The greeting timeout from SMTP_URL's query, as an operator may set it, short for the test.
    const t = await createTestApp({ env: { SMTP_URL: `${smtp.url}?greetingTimeout=500` } });
    try {
      const u = await register(t.http);
      await request(t.http).post('/auth/password/forgot').send({ email: u.email }).expect(202);
      // Both mails wait on the silent server, and the answers have gone.
      for (let i = 0; i < 200 && smtp.sockets.size < 2; i++) await sleep(25);
      expect(smtp.sockets.size).toBe(2);
    } finally {
      // Returns once the client gives up on the greeting (the mails fail and are logged): the
      // client has hung up both connections (their ends reach the server a moment later).
      await t.close();
      for (let i = 0; i < 200 && smtp.sockets.size > 0; i++) await sleep(25);
      expect(smtp.sockets.size).toBe(0);
      await smtp.close();
    }
  });
});
