/**
 * Hash tags: a Redis Cluster places a key by the part between its first `{` and the next `}`, so
 * every key tagged alike lives in one slot, on one master, and one command (an `MGET`, a script,
 * a `MULTI`) may use them together. Every key that belongs to a user carries the user's tag, every
 * key that belongs to a cookie session its session's; `REDIS_KEY_PREFIX` may not hold braces, so
 * the tag is always the key's first. On one server tags change nothing.
 */
export const userTag = (userId: string): string => `{u:${userId}}`;

/** The tag of a cookie session, by its store id (the id in the cookie). */
export const sessionTag = (storeSid: string): string => `{s:${storeSid}}`;
