import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { InjectDataSource } from '@nestjs/typeorm';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { DataSource } from 'typeorm';
import { databaseConfig } from '../config/config.js';

/** SQLite's own threshold: the connection checkpoints itself once the WAL holds this many pages. */
export const SQLITE_AUTOCHECKPOINT_PAGES = 1000;
/**
 * While the checkpointer runs, the app's connection checkpoints only past this many pages (40 MiB
 * of 4 KiB pages): a backstop that bounds the WAL should the checkpointer fall behind.
 */
export const BACKSTOP_PAGES = 10_000;
/** How often the checkpointer copies the WAL into the database file. */
export const CHECKPOINT_EVERY_MS = 500;

/**
 * Runs in the worker: its own connection to the file, a PASSIVE checkpoint (copies what it can,
 * never waits for the app's connection, never blocks it) on a timer. CommonJS: an `eval` worker.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('synchronous = NORMAL');
const timer = setInterval(() => {
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch (err) { parentPort.postMessage(String(err && err.message)); }
}, workerData.everyMs);
parentPort.once('message', () => { clearInterval(timer); db.close(); parentPort.close(); });
parentPort.postMessage('ready');
`;

/**
 * Moves SQLite's checkpoints off the event loop. Under WAL with `synchronous = NORMAL` a commit
 * writes the log and does not wait for the disk; the checkpoint, which copies the log into the
 * database file, does, twice (the log, then the file), and the connection that crosses the
 * threshold runs it inside that commit: better-sqlite3 is synchronous, so every request waited
 * (README, "Decisions"). Here a worker thread checkpoints on a connection of its own, and the
 * app's connection keeps a far higher threshold as a backstop. If the worker cannot run, the
 * app's connection goes back to SQLite's own threshold: the WAL stays bounded either way.
 * PostgreSQL and `sqlite::memory:` have nothing to do here.
 */
@Injectable()
export class WalCheckpointer implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WalCheckpointer.name);
  private worker?: Worker;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(databaseConfig.KEY) private readonly db: ConfigType<typeof databaseConfig>,
  ) {}

  async onModuleInit(): Promise<void> {
    const file = this.db.kind === 'sqlite' ? this.db.sqlitePath : undefined;
    if (!file || file === ':memory:') return;
    await this.start(file);
  }

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    worker.removeAllListeners('exit');
    worker.postMessage('stop');
    await new Promise((resolve) => worker.once('exit', resolve));
  }

  private async start(file: string): Promise<void> {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: {
        driver: createRequire(import.meta.url).resolve('better-sqlite3'),
        file,
        everyMs: CHECKPOINT_EVERY_MS,
      },
    });
    // Never what keeps the process alive.
    worker.unref();
    const ready = await new Promise<boolean>((resolve) => {
      worker.once('message', (m) => resolve(m === 'ready'));
      worker.once('error', (err) => {
        this.logger.warn({ err }, 'WAL checkpointer did not start; the app connection checkpoints itself');
        resolve(false);
      });
    });
    // The listeners that follow take over: a later error is not a failure to start.
    worker.removeAllListeners('message').removeAllListeners('error');
    if (!ready) {
      await worker.terminate();
      return;
    }
    this.worker = worker;
    await this.threshold(BACKSTOP_PAGES);
    worker.on('message', (message: unknown) => this.logger.warn({ err: String(message) }, 'WAL checkpoint failed'));
    worker.on('error', (err) => this.logger.warn({ err }, 'WAL checkpointer failed'));
    worker.once('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.logger.warn('WAL checkpointer stopped; the app connection checkpoints itself');
      void this.threshold(SQLITE_AUTOCHECKPOINT_PAGES).catch(() => undefined);
    });
  }

  private async threshold(pages: number): Promise<void> {
    await this.dataSource.query(`PRAGMA wal_autocheckpoint = ${pages}`);
  }
}
