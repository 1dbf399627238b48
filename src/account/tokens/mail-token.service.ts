import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull, LessThan, MoreThan, type Repository } from 'typeorm';
import { MailToken, type MailTokenPurpose } from './mail-token.entity.js';
import { insertRows } from '../../database/insert.js';

/** 256 random bits, base64url without padding: 43 characters. */
const TOKEN_BYTES = 32;
const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;

/** 256 random bits need no salt or slow hash: SHA-256 cannot be inverted or guessed. */
const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');
const wellFormed = (token: unknown): token is string => typeof token === 'string' && TOKEN_SHAPE.test(token);

/**
 * Tokens sent by mail: at least 256 random bits, stored only as a hash, single-use, spent by one
 * conditional UPDATE (of two racing uses exactly one changes the row), expiring.
 */
@Injectable()
export class MailTokenService {
  constructor(@InjectRepository(MailToken) private readonly tokens: Repository<MailToken>) {}

  /**
   * A new token for the user. `replacePending`: every unused token of the same purpose stops
   * working first (a newer reset request voids older reset links).
   */
  async issue(userId: string, purpose: MailTokenPurpose, ttlSeconds: number, replacePending: boolean): Promise<string> {
    const now = new Date();
    if (replacePending) {
      await this.tokens.update({ userId, purpose, usedAt: IsNull() }, { usedAt: now });
    }
    const token = randomBytes(TOKEN_BYTES).toString('base64url');
    await insertRows(this.tokens, {
      id: randomUUID(),
      tokenHash: hashOf(token),
      userId,
      purpose,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      usedAt: null,
    });
    // Expired and spent rows of anyone are of no more use: dropped on the way.
    await this.tokens.delete({ expiresAt: LessThan(now) });
    return token;
  }

  /** The user a live token belongs to, without spending it (to check it before expensive work). */
  async peek(token: unknown, purpose: MailTokenPurpose): Promise<string | null> {
    if (!wellFormed(token)) return null;
    const row = await this.tokens.findOne({
      where: { tokenHash: hashOf(token), purpose, usedAt: IsNull(), expiresAt: MoreThan(new Date()) },
      select: { userId: true },
    });
    return row?.userId ?? null;
  }

  /** Spends the token: its user's id for the one call that spent it, null for every other. */
  async spend(token: unknown, purpose: MailTokenPurpose): Promise<string | null> {
    if (!wellFormed(token)) return null;
    const now = new Date();
    const tokenHash = hashOf(token);
    const result = await this.tokens.update(
      { tokenHash, purpose, usedAt: IsNull(), expiresAt: MoreThan(now) },
      { usedAt: now },
    );
    if (result.affected !== 1) return null;
    const row = await this.tokens.findOne({ where: { tokenHash }, select: { userId: true } });
    return row?.userId ?? null;
  }

  /** Every token of the user ends (the account is gone, or its password was set). */
  async revokeAll(userId: string, purpose?: MailTokenPurpose): Promise<void> {
    await this.tokens.update({ userId, usedAt: IsNull(), ...(purpose ? { purpose } : {}) }, { usedAt: new Date() });
  }
}
