/**
 * How many cookies of this name a `Cookie` header carries, split as the cookie parsers of both
 * adapters split it (pairs at `;`, the name before the first `=`, trimmed). More than one is
 * ambiguous: which comes first is the browser's choice (longer path first, then older), and a
 * cookie planted by a sibling subdomain or for a narrower path would win (RFC 6265bis §4.2.2,
 * §8.6). Our cookies (session, refresh) treat an ambiguous one as absent.
 */
export function cookieCount(header: string | undefined, name: string): number {
  if (!header) return 0;
  let count = 0;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq !== -1 && pair.slice(0, eq).trim() === name) count++;
  }
  return count;
}
