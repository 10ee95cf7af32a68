/**
 * Small helpers the stage kinds share. No TF.js here: stage modules import
 * this at the top level and the engine imports them to read their schemas.
 */
import type { InputArtifact, JsonObject, StageContext } from '../../src/stage-api.js';

/** The one upstream artifact bound to input `name`. */
export function singleInput(ctx: StageContext, name: string): InputArtifact {
  const input = ctx.inputs[name];
  if (!input) throw new Error(`Stage ${ctx.stage} needs an input named '${name}' (got: ${Object.keys(ctx.inputs).join(', ') || 'none'})`);
  if (Array.isArray(input)) {
    if (input.length !== 1) throw new Error(`Input '${name}' of ${ctx.cell} must be one artifact, got ${input.length}`);
    return input[0]!;
  }
  return input;
}

/** `ctx.params` over `defaults`; the engine validates types against the schema. */
export function withDefaults<T extends object>(defaults: T, params: JsonObject): T {
  const out = { ...defaults } as Record<string, unknown>;
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined) out[k] = v;
  }
  return out as T;
}

/** JSON Schema snippet for a positive integer param. */
export function posInt(description: string, dflt: number, maximum?: number): JsonObject {
  const s: JsonObject = { type: 'integer', minimum: 1, default: dflt, description };
  if (maximum !== undefined) s['maximum'] = maximum;
  return s;
}
