/**
 * (4) Size on the wire: the bytes a client sends with every authenticated request, per JWT
 * algorithm and for the session cookie, and what the login answer carries. Reads the logins the
 * servers made when they started; sends nothing.
 */
import type { RunContext } from '../lib/context.js';
import { headerBytes, type Reply, setCookieLines } from '../lib/http.js';
import type { WireRow } from '../lib/results.js';
import type { Section } from '../lib/section.js';

const JWT_CONFIGS = ['hs256-embedded', 'rs256-embedded', 'es256-embedded', 'eddsa-embedded'];

const setCookieBytes = (r: Reply): number =>
  setCookieLines(r).reduce((n, line) => n + headerBytes('Set-Cookie', line), 0);

function run(ctx: RunContext): Promise<WireRow[]> {
  const rows: WireRow[] = [];
  for (const config of JWT_CONFIGS) {
    const b = ctx.servers.of(config);
    if (!b?.jwt) continue;
    const token = b.jwt.accessToken;
    rows.push({
      style: 'jwt',
      algorithm: b.def.algorithm,
      header: 'Authorization: Bearer <access token>',
      credentialBytes: Buffer.byteLength(token),
      headerBytes: headerBytes('Authorization', `Bearer ${token}`),
      extraOnWritesBytes: 0,
      loginSetCookieBytes: setCookieBytes(b.jwt.reply),
      loginBodyBytes: Buffer.byteLength(b.jwt.reply.body),
    });
  }
  const s = ctx.servers.of('hs256-embedded')?.session;
  if (s) {
    rows.push({
      style: 'session',
      algorithm: null,
      header: 'Cookie: sid=<signed session id>',
      credentialBytes: Buffer.byteLength(s.cookie.slice(s.cookie.indexOf('=') + 1)),
      headerBytes: headerBytes('Cookie', s.cookie),
      extraOnWritesBytes: headerBytes('X-CSRF-Token', s.csrfToken),
      loginSetCookieBytes: setCookieBytes(s.reply),
      loginBodyBytes: Buffer.byteLength(s.reply.body),
    });
  }
  return Promise.resolve(rows);
}
export const wireSection: Section<WireRow[]> = {
  name: 'wire',
  servers: (ctx) => JWT_CONFIGS.map((config) => ctx.servers.id(config)),
  none: [],
  run,
};
