/**
 * What a JS stage can learn about each of its inputs beyond the stage API's
 * InputArtifact: the content hash of the upstream outputs, the identity the
 * cell's fingerprint records for that input (the same value the fan-in
 * index file gives exec stages). The local executor sets it on every
 * input at runtime (the Slurm executor does not yet); this accessor gives
 * it a type.
 */
import type { InputArtifact } from './stage-api.js';

export interface IndexedInput extends InputArtifact {
  outputsHash: string;
}

/** The input with its outputs hash; throws if the engine that ran the stage did not provide one. */
export function indexed(input: InputArtifact): IndexedInput {
  const hash = (input as Partial<IndexedInput>).outputsHash;
  if (typeof hash !== 'string')
    throw new Error(
      `input from ${input.cell} carries no outputsHash (it was prepared by an executor that does not index inputs, e.g. --executor slurm)`,
    );
  return input as IndexedInput;
}

/** A fan-in's inputs in folder order, each with its outputs hash. */
export function indexedFanIn(inputs: InputArtifact | InputArtifact[]): IndexedInput[] {
  return (Array.isArray(inputs) ? inputs : [inputs]).map(indexed);
}
