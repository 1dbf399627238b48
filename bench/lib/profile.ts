import { readFileSync } from 'node:fs';
import type { ProfileSummary } from './results.js';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface CpuProfile {
  nodes: { id: number; callFrame: CallFrame; children?: number[] }[];
  startTime: number;
  samples: number[];
  timeDeltas: number[];
}

/** Where a function lives, by package: `express`, `@nestjs/core`, `app: src/auth-jwt`, `node: internal`. */
function owner(url: string, fn: string): string {
  if (url === '') return fn.startsWith('(') ? fn : 'native / V8 builtins';
  if (url.startsWith('node:')) return 'node: internal';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const parts = url.slice(nm + '/node_modules/'.length).split('/');
    return parts[0]!.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0]!;
  }
  const src = /\/dist\/(src|bench)\/([^/]+)/.exec(url);
  if (src) return src[1] === 'src' ? `app: src/${src[2]!.replace(/\.js$/, '')}` : 'bench';
  return url.replace(/^file:\/\//, '');
}

function shortWhere(url: string, line: number): string {
  const nm = url.lastIndexOf('/node_modules/');
  const path =
    nm >= 0 ? url.slice(nm + '/node_modules/'.length) : url.replace(/^.*\/dist\//, '').replace(/^file:\/\//, '');
  return path === '' ? '' : `${path}:${line + 1}`;
}

/** What the application-code table calls the framework's work run inside an app hook's `done()` or a middleware's `next()`. */
const HANDED_ON = "(the framework's pipeline, run from an app hook's done() or a middleware's next())";

/**
 * The functions through which a Fastify hook or an Express middleware hands the request on:
 * Fastify's hook runners' `next` (its hooks' `done`) and the router's `next` (Express 5).
 */
function isContinuation(frame: CallFrame): boolean {
  return (
    frame.functionName === 'next' &&
    (frame.url.endsWith('/node_modules/fastify/lib/hooks.js') ||
      frame.url.endsWith('/node_modules/router/index.js') ||
      frame.url.endsWith('/node_modules/router/lib/route.js'))
  );
}

/**
 * Self time per function and per package of a V8 `.cpuprofile`, counting only the samples taken
 * between `fromUs` and `toUs` (the load window; V8's sample clock is the monotonic clock that
 * `process.hrtime` reads), so start-up and shutdown are left out.
 */
export function summariseProfile(
  file: string,
  caseId: string,
  requests: number,
  fromUs: number,
  toUs: number,
  top = 15,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const frames = new Map<number, CallFrame>(profile.nodes.map((n) => [n.id, n.callFrame]));
  const parents = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parents.set(c, n.id);
  // The innermost application frame above a sample: what the app was doing, libraries included,
  // unless the walk up meets first a hook runner's or a router's `next`: then the sample is the
  // framework's own pipeline, which an app hook or middleware only handed on by calling `done()`
  // or `next()` (the rest of the request runs inside that call).
  const appOf = new Map<number, string>();
  const appModule = (id: number): string => {
    const known = appOf.get(id);
    if (known !== undefined) return known;
    const frame = frames.get(id);
    const src = /\/dist\/src\/(.+?)\.js$/.exec(frame?.url ?? '');
    const parent = parents.get(id);
    const found = src
      ? `src/${src[1]!}`
      : frame && isContinuation(frame)
        ? HANDED_ON
        : parent === undefined
          ? '(no app code on the stack)'
          : appModule(parent);
    appOf.set(id, found);
    return found;
  };
  // The innermost package on the stack that is not node's or V8's own: what node internals and
  // builtins (a socket write, an HMAC, a header) were doing the work for. Self time alone charges
  // the socket write to "node: internal", whoever called it.
  const callerOf = new Map<number, string>();
  const callerPackage = (id: number): string => {
    const known = callerOf.get(id);
    if (known !== undefined) return known;
    const frame = frames.get(id)!;
    const pkg = owner(frame.url, frame.functionName);
    const parent = parents.get(id);
    const found =
      pkg === '(root)'
        ? '(node and V8 alone, no package above: HTTP parsing, socket I/O, ticks)'
        : pkg !== 'node: internal' && pkg !== 'native / V8 builtins'
          ? pkg
          : parent === undefined
            ? `${pkg} (nothing above it)`
            : callerPackage(parent);
    callerOf.set(id, found);
    return found;
  };
  const byCaller = new Map<string, number>();
  const byApp = new Map<string, number>();
  const byFunction = new Map<string, { name: string; where: string; us: number }>();
  const byPackage = new Map<string, number>();
  let t = profile.startTime;
  let total = 0;
  let idle = 0;
  let gc = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    t += dt;
    if (t < fromUs || t > toUs) continue;
    const frame = frames.get(profile.samples[i]!);
    if (!frame) continue;
    total += dt;
    if (frame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    if (frame.functionName === '(garbage collector)') gc += dt;
    const name = frame.functionName || '(anonymous)';
    const key = `${name}|${frame.url}|${frame.lineNumber}`;
    const entry = byFunction.get(key) ?? { name, where: shortWhere(frame.url, frame.lineNumber), us: 0 };
    entry.us += dt;
    byFunction.set(key, entry);
    const pkg = owner(frame.url, name);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
    const app = appModule(profile.samples[i]!);
    byApp.set(app, (byApp.get(app) ?? 0) + dt);
    const caller = callerPackage(profile.samples[i]!);
    byCaller.set(caller, (byCaller.get(caller) ?? 0) + dt);
  }
  const pct = (us: number): number => (total === 0 ? 0 : Math.round((us / total) * 1000) / 10);
  const perReq = (us: number): number => (requests === 0 ? 0 : Math.round((us / requests) * 100) / 100);
  return {
    caseId,
    requests,
    sampledMs: Math.round(total / 1000),
    idlePct: pct(idle),
    gcPct: pct(gc),
    busyUsPerRequest: perReq(total - idle),
    topFunctions: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map((f) => ({ name: f.name, where: f.where, selfPct: pct(f.us), usPerRequest: perReq(f.us) })),
    byPackage: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfPct: pct(us), usPerRequest: perReq(us) })),
    byCallerPackage: [...byCaller.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfPct: pct(us), usPerRequest: perReq(us) })),
    byAppCode: [...byApp.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ name, selfPct: pct(us), usPerRequest: perReq(us) })),
  };
}
