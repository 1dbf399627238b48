/** What the resource server needs to know, from its environment; checked once at start-up. */
export interface ResourceServerConfig {
  /** Base URL of the auth server: its JWKS and its introspection endpoint live there. */
  authUrl: string;
  /** This service's own public origin: DPoP proofs name it in `htu`. */
  publicUrl: string;
  issuer: string;
  audience: string;
  /** One of the auth server's `INTROSPECTION_CLIENTS`. */
  clientId: string;
  clientSecret: string;
  /**
   * The staleness bound: an "active" answer of the auth server is reused for at most this long, so
   * a token revoked there is refused here at most this many seconds later. 0: ask on every request.
   */
  introspectionCacheSeconds: number;
  port: number;
}

export function configFromEnv(env: Record<string, string | undefined> = process.env): ResourceServerConfig {
  const required = (name: string): string => {
    const value = env[name];
    if (!value) throw new Error(`Invalid configuration: ${name} is required`);
    return value;
  };
  const cacheSeconds = Number(env.INTROSPECTION_CACHE_SECONDS ?? '5');
  if (!Number.isInteger(cacheSeconds) || cacheSeconds < 0 || cacheSeconds > 60) {
    throw new Error('Invalid configuration: INTROSPECTION_CACHE_SECONDS must be a whole number from 0 to 60');
  }
  return {
    authUrl: required('AUTH_URL').replace(/\/$/, ''),
    publicUrl: (env.PUBLIC_URL ?? `http://localhost:${env.PORT ?? '4000'}`).replace(/\/$/, ''),
    issuer: env.JWT_ISSUER ?? 'auth-server',
    audience: env.JWT_AUDIENCE ?? 'api',
    clientId: required('INTROSPECTION_CLIENT_ID'),
    clientSecret: required('INTROSPECTION_CLIENT_SECRET'),
    introspectionCacheSeconds: cacheSeconds,
    port: Number(env.PORT ?? '4000'),
  };
}
