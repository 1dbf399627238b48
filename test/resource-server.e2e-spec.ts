import type { INestApplication } from '@nestjs/common';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createResourceServer } from '../examples/resource-server/src/app.js';
import { generateProof } from 'dpop';
import { newKeys, ORIGIN, proof, type TokenPair } from './support/dpop.js';
import { PASSWORD, register, sleep, STORES } from './support/http.js';
import { createTestApp, type TestApp } from './support/test-app.js';

const CLIENT = 'orders';
const SECRET = 'orders-secret-0123456789';
/** The example's own origin, as its clients name it in DPoP proofs. */
const RS_ORIGIN = 'https://orders.example.test';
/** The staleness bound the example runs with here. */
const CACHE_SECONDS = 1;

const urlOf = (app: INestApplication): string =>
  `http://127.0.0.1:${(app.getHttpServer() as { address(): AddressInfo }).address().port}`;

/**
 * The example resource server (examples/resource-server, its dependencies resolved from this
 * repository's node_modules) started beside the auth server, both on real ports: it verifies tokens
 * with the auth server's JWKS over HTTP and asks its introspection endpoint whether they are live.
 */
describe.each(STORES)('The example resource server beside the auth server, %s (e2e)', (_, storeEnv) => {
  let auth: TestApp;
  let rs: INestApplication;
  let rsCached: INestApplication;
  beforeAll(async () => {
    const keysDir = mkdtempSync(join(tmpdir(), 'keys-'));
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    writeFileSync(join(keysDir, 'signing.pem'), privateKey.export({ type: 'pkcs8', format: 'pem' }));
    auth = await createTestApp({
      env: {
        ...storeEnv(),
        APP_URL: ORIGIN,
        JWT_ALGORITHM: 'ES256',
        JWT_KEYS_DIR: keysDir,
        INTROSPECTION_CLIENTS: `${CLIENT}:${SECRET}`,
      },
    });
    await auth.app.listen(0, '127.0.0.1');
    const config = {
      authUrl: urlOf(auth.app),
      publicUrl: RS_ORIGIN,
      issuer: 'auth-server',
      audience: 'api',
      clientId: CLIENT,
      clientSecret: SECRET,
      port: 0,
    };
    rs = await createResourceServer({ ...config, introspectionCacheSeconds: 0 });
    await rs.listen(0, '127.0.0.1');
    rsCached = await createResourceServer({ ...config, introspectionCacheSeconds: CACHE_SECONDS });
    await rsCached.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    await rs?.close();
    await rsCached?.close();
    await auth?.close();
  });

  const login = async (): Promise<{ id: string; pair: TokenPair }> => {
    const user = await register(auth.http);
    const res = await request(auth.http).post('/auth/jwt/login').send({ email: user.email, password: PASSWORD });
    return { id: user.id, pair: res.body as TokenPair };
  };

  it('serves a live token and refuses no token, a forged one, and one the auth server no longer honours', async () => {
    const { id, pair } = await login();
    const orders = () => request(urlOf(rs)).get('/orders').set('Authorization', `Bearer ${pair.accessToken}`);
    expect((await orders().expect(200)).body).toMatchObject({ sub: id });
    await request(urlOf(rs)).get('/health').expect(200);
    await request(urlOf(rs)).get('/orders').expect(401);
    const [h, p] = pair.accessToken.split('.');
    await request(urlOf(rs)).get('/orders').set('Authorization', `Bearer ${h}.${p}.AAAA`).expect(401);

    await request(auth.http).post('/auth/jwt/logout').set('Authorization', `Bearer ${pair.accessToken}`).expect(204);
    // The signature still verifies against the JWKS: only introspection knows of the logout.
    await orders().expect(401);
  });

  it(`with a ${CACHE_SECONDS} s cache, refuses a logged-out token once the bound has passed`, async () => {
    const { pair } = await login();
    const orders = () => request(urlOf(rsCached)).get('/orders').set('Authorization', `Bearer ${pair.accessToken}`);
    await orders().expect(200);
    await request(auth.http).post('/auth/jwt/logout').set('Authorization', `Bearer ${pair.accessToken}`).expect(204);
    await sleep(CACHE_SECONDS * 1000 + 100);
    await orders().expect(401);
  });

  it('refuses a token whose session was ended from DELETE /auth/sessions/:id', async () => {
    const { pair: victim } = await login();
    const auth2 = { Authorization: `Bearer ${victim.accessToken}` };
    await request(urlOf(rs)).get('/orders').set(auth2).expect(200);
    const sessions = (await request(auth.http).get('/auth/sessions').set(auth2).expect(200)).body as { id: string }[];
    await request(auth.http).delete(`/auth/sessions/${sessions[0]!.id}`).set(auth2).expect(204);
    await request(urlOf(rs)).get('/orders').set(auth2).expect(401);
  });

  it('takes a DPoP-bound token only with a proof by its key for the resource server’s own URL', async () => {
    const user = await register(auth.http);
    const keys = await newKeys();
    const res = await request(auth.http)
      .post('/auth/jwt/login')
      .set('DPoP', await proof(keys, 'POST', '/auth/jwt/login'))
      .send({ email: user.email, password: PASSWORD })
      .expect(200);
    const token = (res.body as TokenPair).accessToken;
    const call = (dpop: string) =>
      request(urlOf(rs)).get('/orders').set('Authorization', `DPoP ${token}`).set('DPoP', dpop);
    const good = await generateProof(keys, `${RS_ORIGIN}/orders`, 'GET', undefined, token);
    await call(good).expect(200);
    await call(good).expect(401);
    await call(await generateProof(keys, `${ORIGIN}/orders`, 'GET', undefined, token)).expect(401);
    await call(await generateProof(await newKeys(), `${RS_ORIGIN}/orders`, 'GET', undefined, token)).expect(401);
    await request(urlOf(rs)).get('/orders').set('Authorization', `Bearer ${token}`).expect(401);
  });
});
