/**
 * The HTTP adapter of this jest project (`E2E_HTTP_ADAPTER` in jest.config.js): the e2e and
 * cluster files run once per adapter. Unset: the product's default.
 */
export const testAdapter = (globalThis as { E2E_HTTP_ADAPTER?: string }).E2E_HTTP_ADAPTER;

/** The environment that puts a server (in-process or built) on this project's adapter. */
export const adapterEnv = (): Record<string, string> => (testAdapter ? { HTTP_ADAPTER: testAdapter } : {});
