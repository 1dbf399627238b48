import { Signer } from '@fastify/cookie';
import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { parse, serialize } from 'cookie';
import type { SessionData, Store } from 'express-session';
import { LRUCache } from 'lru-cache';
import { randomBytes } from 'node:crypto';
import { DomainError } from '../common/errors.js';
import { sessionConfig } from '../config/config.js';
import { markLoaded } from '../session-store/loaded-session.js';
import type { RequestSession, SessionRequest, SignedInSession } from './session-data.js';

type SessionConfig = ConfigType<typeof sessionConfig>;

/** What a request's session needs of its request and response, on either adapter. */
export interface SessionCarrier {
  /** Whether the request came over HTTPS (as far as `TRUST_PROXY` trusts a proxy to say so). */
  readonly secure: boolean;
  /** Replaces the session cookie this response sets; `undefined` removes it. */
  setCookie(header: string | undefined): void;
}

/** express-session's and @fastify/session's signed-cookie prefix: their cookies read here too. */
const SIGNED_PREFIX = 's:';

/** 256 random bits (OWASP Session Management: at least 64 bits of entropy). */
const newSessionId = (): string => randomBytes(32).toString('base64url');

/** A store that cannot answer must not look like "no session": the request fails with a 503. */
const unavailable = (): DomainError => new DomainError('UNAVAILABLE', 'Service unavailable');

/** The cookie attributes a session cookie is set with, and cleared with (`maxAge` in seconds). */
export const sessionCookieOptions = (config: SessionConfig) =>
  ({
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure: config.cookieSecure,
    // The cookie lives as long as an idle session may; the server enforces both timeouts itself.
    maxAge: config.idleTimeout,
  }) as const;

/**
 * Carries the session id between browser and store, on both adapters: reads the signed cookie,
 * loads the session, and sets the cookie when a session is saved. It replaces express-session and
 * @fastify/session, which took a large share of a cookie request in the bench profiles (README,
 * "Decisions"): each re-verifies the same cookie's HMAC and hashes the whole session two or three
 * times a request to find out whether it changed. Here the session is written only when the
 * code says so (`save`, `regenerate`, `destroy`): no hash, no write-back at the end of a request.
 *
 * Same cookie format (cookie-signature's `s:id.HMAC-SHA256`), same stores, same stored data
 * (`auth` and `cookie.expires`), so sessions made by either library go on after an upgrade.
 */
export class SessionCookies {
  private readonly logger = new Logger('SessionCookies');
  private readonly signer: Signer;
  /**
   * A browser sends the same signed cookie on every request of its session, and verifying its HMAC
   * was a good part of a cookie request's CPU: a cookie verified before, under the first secret, is
   * not verified again. Only valid cookies are kept, by their exact text, so a forged one is checked
   * every time and cannot fill the memory; the secrets only change with a restart. Whether the
   * session still exists is the store's answer, asked on every request.
   */
  private readonly verified = new LRUCache<string, string>({ max: VERIFIED_COOKIES_MAX });
  private readonly cookieOptions: ReturnType<typeof sessionCookieOptions>;

  constructor(
    private readonly config: SessionConfig,
    private readonly store: Store,
  ) {
    // A list: the first signs, all verify, so SESSION_SECRET rotates without signing anyone out.
    this.signer = new Signer(config.secrets, 'sha256');
    this.cookieOptions = sessionCookieOptions(config);
  }

  /**
   * Gives the request its session: the stored one its cookie names, or a new one (a new random id,
   * never the one a client offered) that is stored only once saved. Rejects with a 503 when the
   * store cannot answer, leaving the stored session alone.
   */
  async open(req: SessionRequest & { headers: { cookie?: string } }, carrier: SessionCarrier): Promise<void> {
    const sid = this.sessionIdOf(req.headers.cookie);
    const data = sid === undefined ? null : await this.call<SessionData | null>((cb) => this.store.get(sid, cb));
    req.session = data ? markLoaded(new CookieSession(this, req, carrier, sid!, data)) : this.fresh(req, carrier);
  }

  /** The id a validly signed session cookie carries (the gate made sure there is at most one). */
  private sessionIdOf(header: string | undefined): string | undefined {
    const raw = header === undefined ? undefined : parse(header)[this.config.cookieName];
    if (!raw?.startsWith(SIGNED_PREFIX)) return undefined;
    const signed = raw.slice(SIGNED_PREFIX.length);
    const known = this.verified.get(signed);
    if (known !== undefined) return known;
    const result = this.signer.unsign(signed);
    if (!result.valid) return undefined;
    // One signed with an older secret is re-signed with the first when the session is next saved.
    if (!result.renew) this.verified.set(signed, result.value);
    return result.value;
  }

  async save(session: CookieSession, carrier: SessionCarrier): Promise<void> {
    const maxAgeMs = this.cookieOptions.maxAge * 1000;
    const expires = new Date(Date.now() + maxAgeMs);
    // What the stores read the session's expiry from, as the libraries wrote it.
    session.cookie = { originalMaxAge: maxAgeMs, expires };
    await this.call((cb) => this.store.set(session.id, session as unknown as SessionData, cb));
    if (this.cookieOptions.secure && !carrier.secure) {
      // A Secure cookie's value must not cross plain HTTP; the browser would drop it anyway.
      this.logger.warn(
        'Session cookie not set: COOKIE_SECURE is on and the request did not come over HTTPS (TRUST_PROXY?)',
      );
      return;
    }
    const value = SIGNED_PREFIX + this.signer.sign(session.id);
    carrier.setCookie(serialize(this.config.cookieName, value, { ...this.cookieOptions, expires }));
  }

  /** Deletes the stored session; a missing one is not an error. */
  destroy(sid: string): Promise<void> {
    return this.call((cb) => this.store.destroy(sid, cb));
  }

  /** A new, unsaved session for the request, with a new id. */
  fresh(req: SessionRequest, carrier: SessionCarrier): CookieSession {
    return new CookieSession(this, req, carrier, newSessionId());
  }

  /** A store call as a promise; any failure is a 503. */
  private call<T = void>(run: (cb: (err: unknown, value?: T) => void) => void): Promise<T> {
    return new Promise((resolve, reject) => {
      run((err, value) => (err ? reject(unavailable()) : resolve(value as T)));
    });
  }
}

/** How many verified session cookies are remembered (each about 100 bytes). */
const VERIFIED_COOKIES_MAX = 10_000;

/**
 * A request's session. Its stored form is its own enumerable fields, `auth` and `cookie`: the id,
 * the request and the operations are private or on the prototype, never serialised.
 */
class CookieSession implements RequestSession {
  auth?: SignedInSession;
  cookie?: { originalMaxAge: number; expires: Date };
  readonly #sessions: SessionCookies;
  readonly #req: SessionRequest;
  readonly #carrier: SessionCarrier;
  readonly #id: string;

  constructor(sessions: SessionCookies, req: SessionRequest, carrier: SessionCarrier, id: string, data?: SessionData) {
    this.#sessions = sessions;
    this.#req = req;
    this.#carrier = carrier;
    this.#id = id;
    if (data?.auth) this.auth = data.auth;
  }

  get id(): string {
    return this.#id;
  }

  /** Writes the session to the store and sets its cookie, with a fresh expiry for both. */
  save(): Promise<void> {
    return this.#sessions.save(this, this.#carrier);
  }

  /** Deletes this session from the store and gives the request a new, empty one with a new id. */
  async regenerate(): Promise<void> {
    await this.#sessions.destroy(this.#id);
    this.#carrier.setCookie(undefined);
    this.#req.session = this.#sessions.fresh(this.#req, this.#carrier);
  }

  /** Deletes this session from the store; the request is left with none. */
  async destroy(): Promise<void> {
    await this.#sessions.destroy(this.#id);
    this.#carrier.setCookie(undefined);
    this.#req.session = null;
  }
}
