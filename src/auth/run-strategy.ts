import type { HttpRequest } from '../common/http/http-request.js';
import type { DomainError } from '../common/errors.js';

/** What a Passport strategy calls to end an attempt, on the per-request object passport makes. */
interface Attempt<T> {
  success(user: T): void;
  fail(): void;
  error(err: unknown): void;
  pass(): void;
  redirect(): void;
  authenticate(req: HttpRequest, options: object): void;
}

/**
 * Runs a Passport strategy for one request, for every guard of this server (both logins, Bearer,
 * cookie), as `passport.authenticate()` runs one: a per-request
 * object inheriting from the strategy, given `success`, `fail` and `error`, then
 * `authenticate(req)`. Left out is the machinery the guards never use and paid for on every
 * request: `AuthGuard`'s option merging and promise plumbing, and passport's middleware, which
 * chains strategies, gathers failures into challenges and adds `login()`, `logout()` and friends to
 * each request object. In `npm run bench` that took the Bearer route from about 0.76 to 0.86 of
 * the unguarded baseline. Nothing of the check is skipped: what the strategy decides is the answer.
 */
export function runStrategy<T>(strategy: object, req: HttpRequest, refused: () => DomainError): Promise<T> {
  return new Promise((resolve, reject) => {
    const attempt = Object.create(strategy) as Attempt<T>;
    attempt.success = resolve;
    // An error stays itself: a store that cannot answer is a 503, never a pass and never a 401.
    attempt.error = reject;
    attempt.fail = attempt.pass = attempt.redirect = () => reject(refused());
    attempt.authenticate(req, {});
  });
}
