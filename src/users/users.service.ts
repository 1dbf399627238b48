import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { type EntityManager, QueryFailedError, type Repository } from 'typeorm';
import { DomainError } from '../common/errors.js';
import { normalizeEmail } from './email.js';
import { PasswordService } from './password.service.js';
import { type Role, User } from './user.entity.js';
import { compileFindById } from './user-by-id.js';

export interface NewUser {
  email: string;
  password: string;
  displayName?: string | null;
  roles?: Role[];
  /** An operator-made account (ADMIN_EMAIL) needs no mailed proof. */
  emailVerified?: boolean;
}

/** A page of `search`: users by id order, `nextCursor` the last id when more may follow. */
export interface UserPage {
  users: User[];
  nextCursor: string | null;
}

/**
 * How long `current()` may answer from memory. A credential's revocation never waits on it: every
 * change that must refuse a user at once (deletion, roles, password, forced logout) sets the user's
 * cut-off, which the guard checks in the shared store on every request, on every instance.
 */
const CURRENT_TTL_MS = 1000;
const CURRENT_MAX = 10_000;

/** The user repository service: the only code that touches the `users` table. */
@Injectable()
export class UsersService {
  private readonly byId: (id: string) => Promise<User | null>;
  /** `current()`'s records, by id: each at most a second old, dropped by this instance's own writes. */
  private readonly recent = new LRUCache<string, { user: User; readAt: number }>({
    max: CURRENT_MAX,
    ttl: CURRENT_TTL_MS,
  });
  /** Bumped by every write: a read that overlapped one does not store what it read. */
  private writes = 0;

  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly passwords: PasswordService,
  ) {
    this.byId = compileFindById(users);
  }

  async create(input: NewUser): Promise<User> {
    const email = normalizeEmail(input.email);
    const passwordHash = await this.passwords.hash(input.password);
    try {
      return await this.users.save(
        this.users.create({
          email,
          passwordHash,
          displayName: input.displayName ?? null,
          roles: input.roles ?? ['user'],
          emailVerified: input.emailVerified ?? false,
        }),
      );
    } catch (err) {
      // The unique index decides, so two racing sign-ups with one email give one 201 and one 409.
      if (isUniqueViolation(err)) throw new DomainError('EMAIL_TAKEN', 'Email already registered');
      throw err;
    }
  }

  findById(id: string): Promise<User | null> {
    return this.byId(id);
  }

  /**
   * The user as a signed-in caller sees itself (`GET /users/me`, once the guard has accepted the
   * credential issued at `issuedAt`): from memory when read less than a second ago and after that
   * credential was issued. Every change that must reach a user's credentials at once (roles,
   * password, deletion, forced logout) ends them all, so a credential issued after a change never
   * meets a record read before it, on any instance; writes on this instance drop the record at
   * once, another instance's other changes (a new display name) show within the second. For
   * decisions, `findById`.
   */
  async current(id: string, issuedAt: number): Promise<User | null> {
    const hit = this.recent.get(id);
    if (hit && hit.readAt >= issuedAt) return hit.user;
    const readAt = Date.now();
    const writes = this.writes;
    const user = await this.byId(id);
    if (user && writes === this.writes) this.recent.set(id, { user, readAt });
    return user;
  }

  /**
   * Runs `work`, a transaction that writes user `id`'s row beside other tables (a deletion, the
   * second factor turned on or off), then drops `current()`'s copy once it has ended, committed or not.
   */
  async transaction<T>(id: string, work: (m: EntityManager) => Promise<T>): Promise<T> {
    try {
      return await this.users.manager.transaction(work);
    } finally {
      this.changed(id);
    }
  }

  /** After any write to a user's row, once committed. */
  private changed(id: string): void {
    this.writes++;
    this.recent.delete(id);
  }

  /** With the hash, for the credential check only. */
  findForLogin(email: string): Promise<User | null> {
    return this.users
      .createQueryBuilder('u')
      .addSelect('u.passwordHash')
      .where('u.email = :email', { email: normalizeEmail(email) })
      .getOne();
  }

  updatePasswordHash(id: string, passwordHash: string): Promise<void> {
    return this.update(id, { passwordHash });
  }

  setRoles(id: string, roles: Role[]): Promise<void> {
    return this.update(id, { roles });
  }

  /** Without the hash. */
  findByEmail(email: string): Promise<User | null> {
    return this.users.findOneBy({ email: normalizeEmail(email) });
  }

  /** A new password; `verified`: the change proved the mailbox too (a reset link). */
  setPasswordHash(id: string, passwordHash: string, verified: boolean): Promise<void> {
    return this.update(id, verified ? { passwordHash, emailVerified: true } : { passwordHash });
  }

  markEmailVerified(id: string): Promise<void> {
    return this.update(id, { emailVerified: true });
  }

  setDisplayName(id: string, displayName: string | null): Promise<void> {
    return this.update(id, { displayName });
  }

  recordLogin(id: string, at = new Date()): Promise<void> {
    return this.update(id, { lastLoginAt: at });
  }

  /** How many users hold the role. */
  countWithRole(role: Role): Promise<number> {
    // simple-array: roles are stored comma-separated, e.g. `user,admin`.
    return this.users
      .createQueryBuilder('u')
      .where("(',' || u.roles || ',') LIKE :pattern", { pattern: `%,${role},%` })
      .getCount();
  }

  /** Users whose email or name contains `query` (case-insensitive), by id, after `cursor`. */
  async search(query: string | undefined, limit: number, cursor?: string): Promise<UserPage> {
    const qb = this.users
      .createQueryBuilder('u')
      .orderBy('u.id', 'ASC')
      .take(limit + 1);
    if (query) {
      const pattern = `%${query.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      qb.andWhere(
        "(LOWER(u.email) LIKE :pattern ESCAPE '\\' OR LOWER(COALESCE(u.displayName, '')) LIKE :pattern ESCAPE '\\')",
        {
          pattern,
        },
      );
    }
    if (cursor) qb.andWhere('u.id > :cursor', { cursor });
    const rows = await qb.getMany();
    const users = rows.slice(0, limit);
    return { users, nextCursor: rows.length > limit ? (users[users.length - 1]?.id ?? null) : null };
  }

  /**
   * Deletes the user and, in the same transaction, every row of another table that holds one of their
   * credentials (a TOTP secret, recovery codes, passkeys, mailed tokens): any entity with a
   * `userId` column but those kept as history until their own retention (the audit trail, the
   * ended session records, the revoked refresh tokens). A module adding such a table needs no edit here.
   * Returns whether a user was deleted.
   */
  delete(id: string): Promise<boolean> {
    return this.transaction(id, async (m) => {
      for (const meta of m.connection.entityMetadatas) {
        if (meta.target === User || HISTORY_TABLES.has(meta.tableName)) continue;
        if (meta.findColumnWithPropertyName('userId')) await m.delete(meta.target, { userId: id });
      }
      const result = await m.delete(User, { id });
      return (result.affected ?? 0) > 0;
    });
  }

  /** Every single-row write of this service: the row, then `current()`'s copy of it dropped. */
  private async update(id: string, values: Partial<User>): Promise<void> {
    await this.users.update({ id }, values);
    this.changed(id);
  }
}

/** Tables that name a deleted user as history, purged by their own retention, not with the user. */
const HISTORY_TABLES = new Set(['auth_events', 'auth_sessions', 'refresh_tokens']);

export function isUniqueViolation(err: unknown): boolean {
  if (!(err instanceof QueryFailedError)) return false;
  const code = (err.driverError as { code?: unknown } | undefined)?.code;
  // PostgreSQL unique_violation, and better-sqlite3's extended result code.
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
}
