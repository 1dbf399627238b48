/** Each server's memory once the guard section has loaded it (a peer instance is left out). */
import type { RunContext } from '../lib/context.js';
import type { ServerMemory } from '../lib/results.js';

export async function serverMemorySection(ctx: RunContext): Promise<ServerMemory[]> {
  const out: ServerMemory[] = [];
  for (const b of ctx.servers.all()) {
    if (b.def.peerOf) continue;
    const st = await b.proc.stats(true);
    out.push({ server: b.def.id, rssBytes: st.rssBytes, heapUsedBytes: st.heapUsedBytes });
  }
  return out;
}
