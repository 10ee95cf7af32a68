/**
 * Small helpers the stage kinds share. No TF.js here: stage modules import
 * this at the top level and the engine imports them to read their schemas.
 */
import type { InputArtifact, StageContext } from '../../src/stage-api.js';

/** The one upstream artifact bound to input `name`. */
export function singleInput(ctx: Pick<StageContext, 'inputs' | 'stage' | 'cell'>, name: string): InputArtifact {
  const input = ctx.inputs[name];
  if (!input)
    throw new Error(
      `Stage ${ctx.stage} needs an input named '${name}' (got: ${Object.keys(ctx.inputs).join(', ') || 'none'})`,
    );
  if (Array.isArray(input)) {
    if (input.length !== 1) throw new Error(`Input '${name}' of ${ctx.cell} must be one artifact, got ${input.length}`);
    return input[0]!;
  }
  return input;
}

/** JSON Schema for a positive integer param; the literal types let defineStage derive `number`. */
export function posInt(description: string, dflt: number, maximum?: number) {
  return {
    type: 'integer',
    minimum: 1,
    default: dflt,
    description,
    ...(maximum === undefined ? {} : { maximum }),
  } as const;
}
