/**
 * What the alternatives (bench/peers/) share with the orchestrator: the account the bench signs in
 * with and the settings the report quotes. Imports nothing: each server imports it.
 */

/** The Nest recipe's first hard-coded user (its `UsersService`), as the recipe has it. */
export const NEST_RECIPE_USER = { username: 'john', password: 'changeme' } as const;

/** Better Auth's cookie cache lifetime when on, seconds (its default is 300: see better-auth.ts). */
export const BETTER_AUTH_COOKIE_CACHE_MAX_AGE_SEC = 3600;
