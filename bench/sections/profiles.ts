/**
 * (6) CPU profiles: when a throughput or storm goal is missed (or `--profile=always`), the case is
 * run again on a fresh server started with `--cpu-prof`, with its adapter's baseline, and the
 * profile is summarised per package and function. Not a `--only` section: it follows the goals of
 * whatever ran.
 */
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { HttpAdapterKind } from '../../src/config/env.js';
import type { RunContext } from '../lib/context.js';
import { loadSpec } from '../lib/loads.js';
import { BARE, caseKey, RAW } from '../lib/platforms.js';
import { runLoad } from '../lib/processes.js';
import { summariseProfile } from '../lib/profile.js';
import type { Goal, GuardCase, ProfileSummary, Style } from '../lib/results.js';
import { type Bench, ensurePool, prepare, type ServerDef } from '../lib/servers.js';
import { type GuardCaseDef, guardCases } from './guard.js';
import { stormCaseId, stormOnce, stormRate } from './storm.js';

export interface ProfileOptions {
  goals: Goal[];
  guard: GuardCase[];
  /** `--profile`: `always`, `never`, or (anything else) when a goal is missed. */
  profile: string;
  /** Whether the storm section ran (its goals can be missed only then). */
  storm: boolean;
  /** `--keep-profiles`: the folder the `.cpuprofile` files are copied to, or null. */
  keepIn: string | null;
}

/** A fresh server like `like`, started with `--cpu-prof`; `work` runs the load and returns its window. */
async function profiled(
  ctx: RunContext,
  keepIn: string | null,
  id: string,
  like: ServerDef,
  work: (b: Bench) => Promise<{ from: number; to: number; requests: number }>,
): Promise<ProfileSummary> {
  const def: ServerDef = { ...like, id: `profile-${id.replace(/[^\w.-]/g, '-')}` };
  const dir = join(ctx.tmp, def.id);
  mkdirSync(dir);
  const b = await ctx.servers.startProfiled(def, dir);
  await prepare(b);
  const window = await work(b);
  await b.proc.stop();
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`bench: no CPU profile written for ${id}`);
  if (keepIn) {
    mkdirSync(keepIn, { recursive: true });
    copyFileSync(join(dir, file), join(keepIn, `${def.id.slice('profile-'.length)}.cpuprofile`));
  }
  return { ...summariseProfile(join(dir, file), id, window.requests, window.from, window.to), adapter: def.adapter };
}

function profileGuardCase(ctx: RunContext, keepIn: string | null, c: GuardCaseDef): Promise<ProfileSummary> {
  const S = ctx.settings;
  return profiled(ctx, keepIn, caseKey(c), ctx.servers.get(c.server)!.def, async (b) => {
    const spec = loadSpec(ctx, b, c.path, c.headers(b), { durationSec: S.profileDuration, warmupSec: 0 });
    await runLoad({ ...spec, durationSec: Math.max(1, S.warmup) }, ctx.pin.load);
    const from = await b.proc.mark();
    const r = await runLoad(spec, ctx.pin.load);
    return { from, to: await b.proc.mark(), requests: r.requests };
  });
}

function profileStorm(ctx: RunContext, keepIn: string | null, style: Style, rate: number): Promise<ProfileSummary> {
  return profiled(ctx, keepIn, `storm-${style}`, ctx.servers.of('hs256-embedded')!.def, async (b) => {
    await ensurePool(b, ctx.settings.pool);
    return (await stormOnce(ctx, b, style, stormCaseId(style), rate)).window;
  });
}

export async function profileSection(ctx: RunContext, o: ProfileOptions): Promise<ProfileSummary[]> {
  const S = ctx.settings;
  const goalList = o.goals;
  const profiles: ProfileSummary[] = [];
  const always = o.profile === 'always';
  const never = o.profile === 'never';
  const missed = (id: string): boolean => always || (!never && goalList.some((g) => g.id === id && !g.met));
  // The guarded cases of the throughput goals (the primary adapter's, and Fastify's), when missed.
  // A quick run profiles one at most; a full run up to S.maxProfiles. Each adapter's baseline is
  // profiled with them: the report reads a case's profile against its own baseline's.
  const guardToProfile = [
    ...new Set(goalList.filter((g) => g.caseKey !== undefined && missed(g.id)).map((g) => g.caseKey!)),
  ].slice(0, S.maxProfiles);
  // The goals against node:http or Nest alone among them.
  const rawGoals = goalList.filter(
    (g) => (g.id.endsWith('/raw') || g.id.endsWith('/bare')) && guardToProfile.includes(g.caseKey!),
  );
  const baselinesToProfile = [
    // node:http alone too when a goal against it is missed: what any HTTP server pays per request;
    // and Nest alone on that goal's adapter: what the framework adds to it.
    ...(rawGoals.length > 0 ? [caseKey({ id: 'raw', adapter: RAW })] : []),
    ...new Set(
      rawGoals.map((g) => caseKey({ id: 'bare', adapter: BARE[g.caseKey!.split('/')[0] as HttpAdapterKind] })),
    ),
    ...new Set(guardToProfile.map((k) => `${k.split('/')[0]!}/baseline`)),
  ];
  const stormToProfile = (['jwt', 'session'] as const)
    .filter((style) => o.storm && missed(`storm-${style}`))
    .slice(0, Math.max(0, S.maxProfiles - guardToProfile.length));
  // A quick run must end within three minutes, build included: it leaves the profiles to the full
  // run when the rest has taken long (a busy machine).
  const late = ctx.quick && performance.now() - ctx.started > 130_000;
  if (late && (guardToProfile.length > 0 || stormToProfile.length > 0))
    ctx.skipped.push(
      'CPU profiles: this quick run was too slow to take them within its budget (the full run takes them)',
    );
  if (!late && (guardToProfile.length > 0 || stormToProfile.length > 0)) {
    ctx.log(
      `CPU profiles (--cpu-prof) of ${[...baselinesToProfile, ...guardToProfile, ...stormToProfile.map((x) => `storm-${x}`)].join(', ')}`,
    );
    const show = (p: ProfileSummary): void =>
      ctx.log(
        `  ${p.caseId}: main thread busy ${p.busyUsPerRequest} µs per request; ${p.byAppCode
          .slice(0, 4)
          .map((x) => `${x.name} ${x.selfPct}%`)
          .join(', ')}`,
      );
    for (const k of [...baselinesToProfile, ...guardToProfile]) {
      const c = guardCases(ctx).find((x) => caseKey(x) === k);
      if (!c) continue;
      profiles.push(await profileGuardCase(ctx, o.keepIn, c));
      show(profiles[profiles.length - 1]!);
    }
    for (const style of stormToProfile) {
      profiles.push(await profileStorm(ctx, o.keepIn, style, stormRate(ctx, o.guard, style)));
      show(profiles[profiles.length - 1]!);
    }
  }
  return profiles;
}
