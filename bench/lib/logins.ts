/** Logins as the login, storm and enumeration sections send them. */
import type { LoadSpec } from '../load.js';
import { PASSWORD } from './http.js';
import type { Style } from './results.js';
import type { Bench } from './servers.js';

/** Logins at once in the concurrent login runs and the storm. */
export const LOGIN_CONNECTIONS = 50;

export const loginPath = (style: Style): string => (style === 'jwt' ? '/auth/jwt/login' : '/auth/session/login');

function loginBodies(b: Bench, password = PASSWORD): string[] {
  return b.pool.map((u) => JSON.stringify({ email: u.email, password }));
}

/** LOGIN_CONNECTIONS logins at once, through the server's user pool, for `durationSec`. */
export function loginStorm(b: Bench, style: Style, durationSec: number): LoadSpec {
  return {
    tool: 'autocannon',
    url: `${b.proc.url}${loginPath(style)}`,
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    bodies: loginBodies(b),
    connections: LOGIN_CONNECTIONS,
    durationSec,
    timeoutSec: 60,
  };
}
