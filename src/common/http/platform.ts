import type { NestApplicationOptions } from '@nestjs/common';
import type { AbstractHttpAdapter } from '@nestjs/core';
import { ExpressAdapter, type NestExpressApplication } from '@nestjs/platform-express';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import type { ConfigType } from '@nestjs/config';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { httpConfig } from '../../config/config.js';
import { requestIdOf } from '../logging.module.js';
import { answerRouterError } from './fastify-edges.js';
import { BODY_LIMIT_BYTES } from './http-edges.js';

/** The application on either HTTP adapter (`HTTP_ADAPTER`). */
export type AuthApp = NestExpressApplication | NestFastifyApplication;

/** How every app is created (main, tests, bench): `configureApp` sets the body parser and flushes the logs. */
export const APP_OPTIONS: NestApplicationOptions = { bodyParser: false, bufferLogs: true };

/**
 * The one place the adapter is built, from `HTTP_ADAPTER` (read from the environment unless given).
 * Trust in `X-Forwarded-For` is set here for both: it decides `req.ip`, which the per-IP rate limits
 * key on.
 */
export function createHttpAdapter(
  { adapter: kind, trustProxy }: Pick<ConfigType<typeof httpConfig>, 'adapter' | 'trustProxy'> = httpConfig(),
): AbstractHttpAdapter {
  if (kind === 'fastify') {
    const adapter = new FastifyAdapter({
      // Fastify's own logger stays off: `configureApp` writes the request lines on both adapters.
      logger: false,
      // The app has no Nest middleware (every request step is a Fastify hook or plugin): without
      // this, Nest would put @fastify/middie on every request for none.
      skipMiddie: true,
      bodyLimit: BODY_LIMIT_BYTES,
      // Routes match as Express matches them: `/users/me/` and `/USERS/me` are `/users/me`.
      // Express has no limit of its own on a path parameter (the request line is limited anyway).
      routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: 16 * 1024 },
      frameworkErrors: answerRouterError,
      // The request id of the logs and of `X-Request-Id`, as `configureApp` makes it on Express.
      genReqId: requestIdOf,
      ...(trustProxy === undefined ? {} : { trustProxy: fastifyTrust(trustProxy) }),
    });
    // Added before anything else can add one: see `setFirstRequestHook`.
    const slot: { hook?: RequestHook } = {};
    firstHooks.set(adapter.getInstance(), slot);
    adapter
      .getInstance()
      .addHook('onRequest', (req, reply, done) => (slot.hook ? slot.hook(req, reply, done) : done()));
    return adapter;
  }
  const adapter = new ExpressAdapter();
  adapter.disable('x-powered-by');
  // No ETag, as on Fastify: Express would hash every body (SHA-1) and turn it into a Buffer
  // written apart from the headers, for answers that are `no-store` or change with each call.
  adapter.set('etag', false);
  if (trustProxy !== undefined) adapter.set('trust proxy', trustProxy);
  return adapter;
}

/**
 * `TRUST_PROXY` means what Express' `trust proxy` means (api.md). Fastify reads booleans and
 * address lists the same way (both use proxy-addr), but refuses a hop count outright; Express'
 * reading of one is "the n nearest hops are proxies", which is this function.
 */
function fastifyTrust(
  trustProxy: boolean | number | string,
): boolean | string | ((addr: string, hop: number) => boolean) {
  return typeof trustProxy === 'number' ? (_addr, hop) => hop < trustProxy : trustProxy;
}

type RequestHook = (req: FastifyRequest, reply: FastifyReply, done: () => void) => void;

const firstHooks = new WeakMap<object, { hook?: RequestHook }>();

/**
 * Makes `hook` the first of the app's own hooks on every Fastify request, whenever it is set.
 * Fastify runs hooks in the order they were added, and `NestFactory.create()` (main.ts) registers
 * @fastify/middie, which runs Nest middleware, while it creates the app, so before `configureApp`
 * can add one; `createNestApplication()` (the tests, the bench) registers it later, at `init()`.
 * The hook added with the adapter runs this one before middie in both cases.
 */
export function setFirstRequestHook(app: NestFastifyApplication, hook: RequestHook): void {
  const slot = firstHooks.get(app.getHttpAdapter().getInstance());
  if (!slot) throw new Error('The app was not created with createHttpAdapter()');
  slot.hook = hook;
}

export const isFastify = (app: AuthApp): app is NestFastifyApplication => app.getHttpAdapter().getType() === 'fastify';

/**
 * Ready to answer once this resolves. Fastify loads its plugins (and so its hooks) at `ready()`,
 * which `listen()` also calls; an app served without `listen()` (supertest) needs it called.
 */
export async function initApp(app: AuthApp): Promise<void> {
  await app.init();
  if (isFastify(app)) await app.getHttpAdapter().getInstance().ready();
}
