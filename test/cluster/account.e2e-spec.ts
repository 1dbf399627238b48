import { jest } from '@jest/globals';
import { Mailbox, tokenIn } from '../support/mailbox.js';
import {
  bearer,
  cookieLogin,
  type Deployment,
  type Instance,
  jwtLogin,
  killAll,
  meStatus,
  newDeployment,
  refresh,
  send,
  signUp,
  startInstance,
  stopInstance,
  withCookie,
} from './cluster.js';

/**
 * A password reset asked for on one instance and completed on another ends every session of the
 * user on both at once: two built servers on one Redis and one PostgreSQL schema, mail over a real
 * SMTP server in this process.
 */
jest.setTimeout(180_000);

let deployment: Deployment;
let mailbox: Mailbox;
let instances: Instance[];
let A: number;
let B: number;

beforeAll(async () => {
  mailbox = await Mailbox.start();
  deployment = await newDeployment({ SMTP_URL: mailbox.url, APP_URL: 'https://auth.example.test' });
  instances = await Promise.all(['A', 'B'].map((name) => startInstance(name, deployment.env)));
  [A, B] = instances.map((i) => i.port) as [number, number];
});

afterAll(async () => {
  await Promise.all((instances ?? []).map((i) => stopInstance(i)));
  killAll();
  await deployment?.cleanup();
  await mailbox?.close();
});

it('a reset on one instance ends every cookie session, access and refresh token on both; the new password works on both', async () => {
  const user = await signUp(A);
  await mailbox.next(user.email);
  const cookieOnA = await cookieLogin(A, user.email);
  const cookieOnB = await cookieLogin(B, user.email);
  const jwtOnA = await jwtLogin(A, user.email);
  const jwtOnB = await jwtLogin(B, user.email);
  for (const port of [A, B]) {
    expect(await meStatus(port, withCookie(cookieOnA))).toBe(200);
    expect(await meStatus(port, bearer(jwtOnB.accessToken))).toBe(200);
  }

  expect((await send(B, 'POST', '/auth/password/forgot', { json: { email: user.email } })).status).toBe(202);
  const token = tokenIn(await mailbox.next(user.email), '/reset-password');
  const next = 'a new cluster passphrase';
  expect((await send(A, 'POST', '/auth/password/reset', { json: { token, newPassword: next } })).status).toBe(204);
  // The token is spent for every instance.
  expect((await send(B, 'POST', '/auth/password/reset', { json: { token, newPassword: next } })).status).toBe(400);

  for (const port of [A, B]) {
    for (const cookie of [cookieOnA, cookieOnB]) expect(await meStatus(port, withCookie(cookie))).toBe(401);
    for (const pair of [jwtOnA, jwtOnB]) expect(await meStatus(port, bearer(pair.accessToken))).toBe(401);
  }
  expect((await refresh(B, jwtOnA.refreshToken)).status).toBe(401);
  expect((await refresh(A, jwtOnB.refreshToken)).status).toBe(401);
  const fresh = await jwtLogin(B, user.email, next);
  expect(await meStatus(A, bearer(fresh.accessToken))).toBe(200);
});
