/**
 * The `express-session` `Store` of this install, embedded or Redis, chosen once by
 * `SessionStoreModule`. Other modules reach it through `SessionStoreGateway`.
 */
export const SESSION_STORE = Symbol('SESSION_STORE');
