import { QueryFailedError } from 'typeorm';

/** Socket-level failures: the peer is down, restarting, unreachable or dropped the connection. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs that mean "not now" rather than "wrong": class 08 (connection exception),
 * the server shutting down or starting up (57P01-57P03), no connection slot left (53300).
 */
const UNAVAILABLE_SQLSTATE = /^(08...|57P0[123]|53300)$/;

/** node-pg and node-redis say so only in words or class names for some of these. */
const UNAVAILABLE_MESSAGE =
  /^(Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error)/;
const REDIS_UNAVAILABLE = new Set([
  'ClientClosedError',
  'ClientOfflineError',
  'ConnectionTimeoutError',
  'SocketClosedUnexpectedlyError',
  'SocketTimeoutError',
  'RedisDeadlineError',
]);

/**
 * Whether an error means a backing service (the database, Redis) could not be reached, rather
 * than a bug: the edge answers those with 503, so clients and load balancers retry later, and a
 * restart of PostgreSQL or Redis does not read as a crash of this server.
 */
export function isDependencyUnavailable(err: unknown, depth = 0): boolean {
  // Duck-typed, not `instanceof Error`: socket errors come from Node's own realm, which is not
  // the one the code runs in under a test runner's VM context.
  if (typeof err !== 'object' || err === null || depth > 3) return false;
  if (err instanceof QueryFailedError) return isDependencyUnavailable(err.driverError, depth + 1);
  const { code, name, message, errors } = err as {
    code?: unknown;
    name?: unknown;
    message?: unknown;
    errors?: unknown;
  };
  // Node's AggregateError: each address of the host refused.
  if (Array.isArray(errors)) return errors.some((e) => isDependencyUnavailable(e, depth + 1));
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code))) return true;
  return (
    (typeof name === 'string' && REDIS_UNAVAILABLE.has(name)) ||
    REDIS_UNAVAILABLE.has(err.constructor.name) ||
    (typeof message === 'string' && UNAVAILABLE_MESSAGE.test(message))
  );
}
