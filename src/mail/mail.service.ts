import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { randomUUID } from 'node:crypto';
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import nodemailer, { type Transporter } from 'nodemailer';
import { accountConfig } from '../config/config.js';

export interface Mail {
  to: string;
  subject: string;
  text: string;
  html: string;
}

/**
 * nodemailer waits 2 min to connect, 30 s for a greeting and 10 min on a silent socket; a stalled
 * mail server would hold a stopping instance that long (shutdown waits for mails in flight). A
 * query parameter of SMTP_URL (`?socketTimeout=60000`) overrides these.
 */
const SMTP_TIMEOUTS = { connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000 };

/**
 * Sends mail: over SMTP (nodemailer) when `SMTP_URL` is set, else as an `.eml` file (mode 0600)
 * in `data/outbox/`, so `npm start` needs no mail server. `send` never throws: a mail that cannot
 * be delivered is logged (never with its body, which holds a token) and changes no answer.
 */
@Injectable()
export class MailService implements OnModuleDestroy {
  private readonly logger = new Logger(MailService.name);
  private readonly transport: Transporter;
  private readonly toFile: boolean;

  constructor(@Inject(accountConfig.KEY) private readonly config: ConfigType<typeof accountConfig>) {
    this.toFile = !config.smtpUrl;
    this.transport = config.smtpUrl
      ? nodemailer.createTransport({ ...SMTP_TIMEOUTS, url: config.smtpUrl })
      : nodemailer.createTransport({ streamTransport: true, buffer: true, newline: 'unix' });
  }

  async send(mail: Mail): Promise<void> {
    try {
      const info = (await this.transport.sendMail({ from: this.config.mailFrom, ...mail })) as {
        message?: Buffer;
        messageId?: string;
      };
      if (this.toFile && info.message) {
        await mkdir(this.config.outboxDir, { recursive: true, mode: 0o700 });
        const name = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID()}.eml`;
        const file = join(this.config.outboxDir, name);
        // Written under a hidden name and renamed: whoever watches the folder never reads half a mail.
        const partial = join(this.config.outboxDir, `.${name}.part`);
        await writeFile(partial, info.message, { mode: 0o600 });
        await rename(partial, file);
        this.logger.log({ file, subject: mail.subject }, 'Mail written to the outbox');
      } else {
        this.logger.log({ messageId: info.messageId, subject: mail.subject }, 'Mail sent');
      }
    } catch (err) {
      // The error of an SMTP client may quote the server's reply, never the message: safe to log.
      this.logger.error(
        { err: err instanceof Error ? err.message : String(err), subject: mail.subject },
        'Mail not delivered',
      );
    }
  }

  onModuleDestroy(): void {
    this.transport.close();
  }
}
