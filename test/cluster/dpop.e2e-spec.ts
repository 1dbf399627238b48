import { jest } from '@jest/globals';
import { newKeys, ORIGIN, proof } from '../support/dpop.js';
import {
  type Deployment,
  type Instance,
  killAll,
  newDeployment,
  PASSWORD,
  send,
  signUp,
  startInstance,
  stopInstance,
} from './cluster.js';

/**
 * DPoP replay across instances: two built servers on one Redis. A proof's `jti` is accepted once
 * across the deployment, so a proof captured on its way to one instance is refused by the other,
 * and of the same proof sent to both at once exactly one is served.
 */

jest.setTimeout(180_000);

let deployment: Deployment;
let instances: Instance[];

beforeAll(async () => {
  deployment = await newDeployment({ APP_URL: ORIGIN });
  instances = await Promise.all(['A', 'B'].map((name) => startInstance(name, deployment.env)));
});

afterAll(async () => {
  await Promise.all((instances ?? []).map((i) => stopInstance(i)));
  killAll();
  await deployment?.cleanup();
});

describe('DPoP on two instances over Redis', () => {
  it('a proof used on one instance is refused on the other, and racing ones are served once', async () => {
    const [a, b] = instances.map((i) => i.port) as [number, number];
    const user = await signUp(a);
    const keys = await newKeys();
    const login = await send(a, 'POST', '/auth/jwt/login', {
      headers: { DPoP: await proof(keys, 'POST', '/auth/jwt/login') },
      json: { email: user.email, password: PASSWORD },
    });
    expect(login.status).toBe(200);
    const token = (login.body as { accessToken: string }).accessToken;
    const me = async (port: number, p: string) =>
      send(port, 'GET', '/users/me', { headers: { Authorization: `DPoP ${token}`, DPoP: p } });

    const used = await proof(keys, 'GET', '/users/me', { token });
    expect((await me(a, used)).status).toBe(200);
    const replayed = await me(b, used);
    expect(replayed.status).toBe(401);
    expect(replayed.headers['www-authenticate']).toMatch(/^DPoP error="invalid_dpop_proof"/);
    expect((await me(b, await proof(keys, 'GET', '/users/me', { token }))).status).toBe(200);

    for (let round = 0; round < 5; round++) {
      const p = await proof(keys, 'GET', '/users/me', { token });
      const statuses = (await Promise.all([me(a, p), me(b, p), me(a, p), me(b, p)])).map((r) => r.status);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 401)).toHaveLength(3);
    }
  });
});
