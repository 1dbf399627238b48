import { Module } from '@nestjs/common';
import { MailService } from './mail.service.js';

/** Outgoing mail: SMTP or the outbox folder, chosen once from `SMTP_URL`. */
@Module({ providers: [MailService], exports: [MailService] })
export class MailModule {}
