/** docs/benchmarks-rps.svg: req/s per guard case and adapter. */
import type { BenchResults, Platform } from '../lib/results.js';
import {
  ADAPTER_COLOURS,
  ADAPTER_NAMES,
  adapterOf,
  adapterUnder,
  esc,
  guardAdapters,
  guardRows,
  isApp,
  num,
} from './format.js';

/** Where a goal on a guarded case's throughput puts its threshold, req/s (from the medians). */
function goalThresholds(r: BenchResults): { caseKey: string; rps: number; label: string }[] {
  const out: { caseKey: string; rps: number; label: string }[] = [];
  const raw = r.guard.find((c) => adapterOf(c) === 'node:http');
  for (const g of r.goals) {
    if (!g.caseKey) continue;
    const [adapter] = g.caseKey.split('/') as [Platform];
    const share = Number(/[\d.]+/.exec(g.target)?.[0] ?? Number.NaN);
    // A goal against an alternative: `share` times its req/s.
    const versus = /\/vs\/(.+)$/.exec(g.id)?.[1];
    if (versus !== undefined) {
      const alt = r.alternatives?.find((a) => a.id === versus);
      if (alt && Number.isFinite(share))
        out.push({ caseKey: g.caseKey, rps: share * alt.rps, label: `${share.toFixed(0)}× ${alt.label}` });
      continue;
    }
    const toRaw = g.id.endsWith('/raw');
    const base = toRaw ? raw : r.guard.find((c) => c.id === 'baseline' && adapterOf(c) === adapter);
    if (!base || !Number.isFinite(share)) continue;
    out.push({
      caseKey: g.caseKey,
      rps: share * base.rps,
      label: `${share.toFixed(2)}× ${toRaw ? 'node:http' : `${ADAPTER_NAMES[adapter]} baseline`}`,
    });
  }
  return out;
}

/**
 * A horizontal bar chart of req/s per guard case, one bar per adapter, with raw node:http on top
 * and each throughput goal's threshold marked on its bar. node:http alone (and Nest alone) can be
 * many times the app: such a bar is then cut (drawn broken, its figure written), so the app's bars
 * keep a readable scale.
 */
export function rpsChart(r: BenchResults): string {
  const rows = guardRows(r);
  const floors = r.guard.filter((c) => !isApp(adapterOf(c)));
  const app = r.guard.filter((c) => isApp(adapterOf(c)));
  const appMax = Math.max(...app.map((c) => c.rps), 1);
  const thresholds = goalThresholds(r);
  // The scale: the app's cases and the goal marks (unless one is far above them); the floors
  // (node:http alone, Nest alone) unless far above.
  let max = Math.max(appMax, ...thresholds.map((t) => t.rps).filter((x) => x <= appMax * 2.5)) * 1.02;
  const cut = new Set(floors.filter((c) => c.rps > max * 1.4));
  max = Math.max(max, ...floors.filter((c) => !cut.has(c)).map((c) => c.rps));
  const offScale = thresholds.filter((t) => t.rps > max);
  const left = 270;
  const barMax = 420;
  const barH = 20;
  const gap = 12;
  const top = 66;
  const width = left + barMax + 250;
  const bars = rows.reduce((n, row) => n + row.byAdapter.size, 0);
  const bottom = top + bars * barH + rows.length * gap;
  const height = bottom + 62 + (offScale.length > 0 ? 16 : 0);
  const x = (rps: number): number => left + (Math.min(rps, max) / max) * barMax;
  const adapters = guardAdapters(r);
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="13">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${esc(`GET /users/me, requests per second: ${adapters.map((a) => ADAPTER_NAMES[a]).join(' and ')} side by side, ${floors.some((c) => adapterOf(c) !== 'node:http') ? 'node:http alone and Nest alone' : 'and node:http alone'}`)}</text>`,
    `<text x="12" y="40" fill="#555">${esc(`${r.mode} run, ${r.date.slice(0, 10)}; ${r.machine.cpuModel}, ${r.machine.pinning}; ${r.machine.loadTool}, ${r.settings.connections} connections`)}</text>`,
    `<text x="12" y="56" fill="#555">${esc('Each bar: req/s (× the same adapter’s baseline · × node:http alone), medians of the rounds')}</text>`,
  ];
  let y = top;
  for (const row of rows) {
    const ordered = [...row.byAdapter.entries()].sort(
      ([a], [b]) => adapters.indexOf(adapterUnder(a)) - adapters.indexOf(adapterUnder(b)),
    );
    parts.push(
      `<text x="${left - 70}" y="${y + (ordered.length * barH) / 2 + 5}" text-anchor="end">${esc(row.label)}</text>`,
    );
    for (const [adapter, c] of ordered) {
      const colour = ADAPTER_COLOURS[adapter];
      const fill = c.store === 'redis' && c.style !== 'none' ? `${colour}b0` : colour;
      const w = Math.max(1, x(c.rps) - left);
      // A floor has no baseline of its own: Nest alone shows its ratio to node:http only.
      const ratios =
        adapter === 'node:http'
          ? ''
          : !isApp(adapter)
            ? c.ratioToRaw == null
              ? ''
              : `  (×${c.ratioToRaw.toFixed(3)} node:http)`
            : `  (×${c.ratio.toFixed(2)}${c.ratioToRaw == null ? '' : ` · ×${c.ratioToRaw.toFixed(3)}`})`;
      const isCut = cut.has(c);
      parts.push(
        // Nest alone's row says what it is: its bars are named by their adapter.
        `<text x="${left - 6}" y="${y + 15}" text-anchor="end" font-size="11" fill="${colour}">${esc(ADAPTER_NAMES[adapterUnder(adapter)])}</text>`,
        `<rect x="${left}" y="${y + 2}" width="${w.toFixed(1)}" height="${barH - 4}" fill="${fill}"/>`,
      );
      if (isCut) {
        // A break across the bar: the scale does not hold it.
        const bx = left + barMax * 0.86;
        parts.push(
          `<path d="M${bx} ${y} l6 ${barH / 2} l-6 ${barH / 2} h8 l6 ${-barH / 2} l-6 ${-barH / 2} z" fill="#ffffff"/>`,
        );
      }
      const text = `${num(c.rps)}${ratios}${isCut ? '  (bar cut)' : ''}`;
      parts.push(`<text x="${(x(c.rps) + 6).toFixed(1)}" y="${y + 15}">${esc(text)}</text>`);
      // Past the figures (about 7 px a character), a mark has room for its name.
      const textEnd = x(c.rps) + 6 + text.length * 7;
      for (const t of thresholds.filter((t) => t.caseKey === `${adapter}/${c.id}` && t.rps <= max)) {
        const tx = x(t.rps);
        parts.push(
          `<line x1="${tx.toFixed(1)}" y1="${y}" x2="${tx.toFixed(1)}" y2="${y + barH}" stroke="#c0392b" stroke-width="2"><title>${esc(`goal ${t.label}`)}</title></line>`,
        );
        if (tx > textEnd + 4)
          parts.push(
            `<text x="${(tx + 4).toFixed(1)}" y="${y + 14}" font-size="10" fill="#c0392b">${esc(t.label)}</text>`,
          );
      }
      y += barH;
    }
    y += gap;
  }
  let ly = bottom + 18;
  if (offScale.length > 0) {
    parts.push(
      `<text x="12" y="${ly}" font-size="11" fill="#c0392b">${esc(`Off this scale: ${offScale.map((t) => `${t.caseKey} goal ${t.label} = ${num(t.rps)} req/s`).join('; ')}`)}</text>`,
    );
    ly += 16;
  }
  const legend: [string, string][] = [
    ...adapters.map((a): [string, string] => [ADAPTER_COLOURS[a], `${ADAPTER_NAMES[a]} (lighter: Redis)`]),
    [ADAPTER_COLOURS['node:http'], 'node:http alone (no app)'],
    ...[...new Set(floors.map(adapterOf))]
      .filter((a) => a !== 'node:http')
      .map((a): [string, string] => [ADAPTER_COLOURS[a], `${ADAPTER_NAMES[a]} (no app)`]),
  ];
  let lx = 12;
  for (const [colour, text] of legend) {
    parts.push(
      `<rect x="${lx}" y="${ly + 8}" width="10" height="10" fill="${colour}"/><text x="${lx + 14}" y="${ly + 18}" font-size="11">${esc(text)}</text>`,
    );
    lx += 24 + text.length * 6;
  }
  ly += 16;
  parts.push(
    `<line x1="15" y1="${ly + 7}" x2="15" y2="${ly + 19}" stroke="#c0392b" stroke-width="2"/><text x="26" y="${ly + 18}" font-size="11">${esc(`goal thresholds: ${[...new Set(thresholds.map((t) => t.label))].join(', ')}`)}</text>`,
    '</svg>',
  );
  return `${parts.join('\n')}\n`;
}
