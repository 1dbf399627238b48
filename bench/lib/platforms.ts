/** What the bench servers run on, and how a guard case is named on each. */
import type { HttpAdapterKind } from '../../src/config/env.js';
import type { Alternative, Platform } from './results.js';

export const RAW: Platform = 'node:http';
/** Nest alone on each adapter (bench/bare-nest.ts): what the framework costs before the app does anything. */
export const BARE: Record<HttpAdapterKind, Platform> = { express: 'nest:express', fastify: 'nest:fastify' };
/** The floors: servers that run none of the app (no env, no user, no credential). */
export const isFloor = (p: Platform): boolean => p === RAW || p === BARE.express || p === BARE.fastify;
/** The alternatives (bench/peers/): other authentication stacks, none of this app. */
export const ALTERNATIVES: readonly Alternative[] = ['nest-recipe', 'better-auth'];
export const isAlternative = (p: Platform): p is Alternative => (ALTERNATIVES as readonly Platform[]).includes(p);
/** A platform's reference case in the guard section: each floor is its own, an adapter's app has its baseline. */
export const baseId = (p: Platform): string => (p === RAW ? 'raw' : isFloor(p) ? 'bare' : 'baseline');

export const ADAPTER_LABEL: Record<Platform, string> = {
  express: 'Express',
  fastify: 'Fastify',
  'node:http': 'node:http',
  'nest:express': 'bare Nest on Express',
  'nest:fastify': 'bare Nest on Fastify',
  'nest-recipe': 'the Nest docs JWT recipe',
  'better-auth': 'Better Auth',
};

/** A guard case on its adapter: unique in the run (`fastify/jwt-hs256-embedded`). */
export const caseKey = (c: { id: string; adapter: Platform }): string => `${c.adapter}/${c.id}`;
