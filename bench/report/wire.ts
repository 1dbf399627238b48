/** Size on the wire: the credential each request carries, and the login answer. */
import type { BenchResults } from '../lib/results.js';
import { table } from './format.js';

export function wire(r: BenchResults): string[] {
  return [
    '## Size on the wire',
    '',
    'Bytes the client sends with every authenticated request (the header line, CRLF included), and what the login response carries.',
    '',
    table(
      [
        'style',
        'header',
        'credential bytes',
        'header bytes per request',
        'extra on writes',
        'login Set-Cookie bytes',
        'login body bytes',
      ],
      r.wire.map((w) => [
        w.style === 'jwt' ? `JWT ${w.algorithm ?? ''}` : 'session',
        `\`${w.header}\``,
        w.credentialBytes,
        w.headerBytes,
        w.extraOnWritesBytes ? `${w.extraOnWritesBytes} (X-CSRF-Token)` : '0',
        w.loginSetCookieBytes,
        w.loginBodyBytes,
      ]),
    ),
    '',
  ];
}
