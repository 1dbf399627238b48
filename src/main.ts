import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { AppModule } from './app.module.js';
import { configureApp } from './app.setup.js';
import { APP_OPTIONS, type AuthApp, createHttpAdapter } from './common/http/platform.js';
import { httpConfig } from './config/config.js';
import { lowerThreadpoolPriority, THREADPOOL_NICE } from './common/threadpool-priority.js';
import { ConfigError } from './config/env.js';

const SHUTDOWN_GRACE_MS = 25_000;

async function bootstrap(): Promise<void> {
  // Read here first (and validated: a bad variable is one line) to choose the adapter.
  const http = httpConfig();
  const app = await NestFactory.create<AuthApp>(AppModule, createHttpAdapter(http), {
    ...APP_OPTIONS,
    // Not flushed on failure either: Nest would print the buffered start-up lines and the error with
    // its stack, where a bad variable must stop start-up with one line (written below).
    autoFlushLogs: false,
    abortOnError: false,
  });
  await configureApp(app);
  // The pino logger is in place now: the buffered start-up lines go out as JSON.
  app.flushLogs();

  // Nest's own shutdown hooks re-raise the signal (exit 143); a clean stop exits 0 instead.
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    app.get(Logger).log(`${signal} received: finishing requests in flight`);
    setTimeout(() => process.exit(1), SHUTDOWN_GRACE_MS).unref();
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));

  await app.listen(http.port, http.host);
  // The pool exists by now: PasswordService hashed at module init.
  const pool = lowerThreadpoolPriority();
  app
    .get(Logger)
    .log(
      `libuv threadpool (argon2): ${pool.threads} threads at nice ${THREADPOOL_NICE}, ${pool.idle} of them under SCHED_IDLE`,
    );
  app
    .get(Logger)
    .log(
      `Listening on http://${http.host}:${http.port} (${http.adapter}; docs: ${http.docsEnabled ? '/docs' : 'off'})`,
    );
}

bootstrap().catch((err: unknown) => {
  // A configuration error is one line naming the variable; anything else is logged with its stack.
  if (err instanceof ConfigError) process.stderr.write(`${err.message}\n`);
  else process.stderr.write(`Start-up failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
