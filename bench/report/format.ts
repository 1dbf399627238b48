/** Formatting shared by the report's parts: numbers, tables, the adapters' names and colours, the guard rows. */
import type { BenchResults, GuardCase, Platform } from '../lib/results.js';

export const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
export const num = (n: number, digits = 0): string =>
  n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
export const kib = (bytes: number): string => `${num(bytes / 1024, 1)} KiB`;
export const mib = (bytes: number): string => `${num(bytes / 2 ** 20, 1)} MiB`;
export const signed = (n: number, digits = 0): string => `${n >= 0 ? '+' : '−'}${num(Math.abs(n), digits)}`;

export function table(head: string[], rows: (string | number)[][]): string {
  const line = (cells: (string | number)[]): string =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

export const ADAPTER_COLOURS: Record<Platform, string> = {
  express: '#3b6fb6',
  fastify: '#d9822b',
  'node:http': '#8c8c8c',
  'nest:express': '#9db7db',
  'nest:fastify': '#ecc095',
  'nest-recipe': '#7a9a5c',
  'better-auth': '#8e6bb0',
};
export const ADAPTER_NAMES: Record<Platform, string> = {
  express: 'Express',
  fastify: 'Fastify',
  'node:http': 'node:http',
  'nest:express': 'Nest alone on Express',
  'nest:fastify': 'Nest alone on Fastify',
  'nest-recipe': 'the NestJS docs JWT recipe (Express)',
  'better-auth': 'Better Auth getSession (Fastify)',
};
/** Results of schema 1 were measured on Express only, without the field. */
export const adapterOf = (c: GuardCase): Platform => c.adapter ?? 'express';
/** The app on an adapter, as against a floor (node:http alone, Nest alone) that runs none of it. */
export const isApp = (p: Platform): boolean => p === 'express' || p === 'fastify';
/** The adapter a platform runs on (Nest alone on Fastify: Fastify), for ordering and naming bars. */
export const adapterUnder = (p: Platform): Platform =>
  p === 'nest:express' ? 'express' : p === 'nest:fastify' ? 'fastify' : p;

/** The guard cases of a run by case, in the order the primary adapter ran them, each with its adapters' figures. */
export function guardRows(r: BenchResults): { id: string; label: string; byAdapter: Map<Platform, GuardCase> }[] {
  const rows: { id: string; label: string; byAdapter: Map<Platform, GuardCase> }[] = [];
  const primary = r.adapters?.primary ?? 'express';
  const ordered = [
    ...r.guard.filter((c) => adapterOf(c) === 'node:http'),
    ...r.guard.filter((c) => !isApp(adapterOf(c)) && adapterOf(c) !== 'node:http'),
    ...r.guard.filter((c) => adapterOf(c) === primary),
    ...r.guard.filter((c) => adapterOf(c) !== primary && isApp(adapterOf(c))),
  ];
  for (const c of ordered) {
    let row = rows.find((x) => x.id === c.id);
    if (!row) rows.push((row = { id: c.id, label: c.label, byAdapter: new Map() }));
    row.byAdapter.set(adapterOf(c), c);
  }
  return rows;
}

/** The adapters of the guard section, in the run's order (the floors apart). */
export const guardAdapters = (r: BenchResults): Platform[] =>
  r.adapters?.guard ?? [...new Set(r.guard.map(adapterOf))].filter(isApp);
