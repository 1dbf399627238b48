/**
 * The fixed answer of the floors under the app's figures (raw-http.ts, bare-nest.ts): a `UserView`
 * of a bench user, the same fields and an email as long as the bench's, so that every server of
 * the guard section answers about the same bytes. Imports nothing: the raw server must load no
 * more than node:http.
 */
export const FIXED_USER_VIEW = {
  id: '6f1d3c2a-8b4e-4f0a-9c7d-2e5b8a1f4c3d',
  email: 'bench-fastify-hs256-embedded@example.com',
  displayName: null,
  roles: ['user'],
  createdAt: '2026-11-22T11:36:00.000Z',
} as const;
