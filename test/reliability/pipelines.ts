/** Pipelines the reliability suites run, built around the test stage kinds. */
import { kindPath } from './rig.js';

export interface StudyShape {
  /** Steps of each training cell, and milliseconds per step. */
  steps: number;
  stepMs: number;
  /** Size of each training cell's payload output, in KiB (makes artifact writes take time). */
  payloadKB: number;
  seeds: number[];
}

export const QUICK_STUDY: StudyShape = { steps: 8, stepMs: 40, payloadKB: 512, seeds: [0, 1] };
export const LONG_STUDY: StudyShape = { steps: 25, stepMs: 60, payloadKB: 4096, seeds: [0, 1] };

/**
 * data[seed] -> train[seed] (checkpointing) -> eval[seed] (exec) -> summary (exec fan-in):
 * 7 cells with two seeds, mixing worker-run kinds and shell commands.
 */
export function study(shape: StudyShape): object {
  return {
    name: 'study',
    kinds: { steps: kindPath('steps') },
    stages: {
      data: { kind: 'steps', params: { steps: 2, stepMs: 10, payloadKB: 256 }, matrix: { seed: shape.seeds } },
      train: {
        kind: 'steps',
        inputs: { data: 'data' },
        params: { steps: shape.steps, stepMs: shape.stepMs, payloadKB: shape.payloadKB },
        matrix: { seed: shape.seeds },
      },
      eval: {
        kind: 'exec',
        inputs: { model: 'train' },
        params: {
          command: 'cat "$ABLATE_IN_MODEL/state.txt" | sha256sum | cut -c1-16 > eval.txt',
          outputs: ['eval.txt'],
        },
        matrix: { seed: shape.seeds },
      },
      summary: {
        kind: 'exec',
        inputs: { evals: { stage: 'eval', all: true } },
        params: { command: 'cat "$ABLATE_IN_EVALS"/*/eval.txt > summary.txt', outputs: ['summary.txt'] },
      },
    },
  };
}

/** Cell ids of `study(shape)`. */
export function studyCells(shape: StudyShape): string[] {
  const per = (stage: string): string[] => shape.seeds.map((s) => `${stage}[seed=${s}]`);
  return [...per('data'), ...per('train'), ...per('eval'), 'summary'];
}

/**
 * Pipelines that share cells: `gen[n]` for the given values, each followed
 * by `slow[n]` (a `steps` cell, so overlapping computations show in the journal).
 */
export function overlapping(name: string, ns: number[], stepMs: number): object {
  return {
    name,
    kinds: { steps: kindPath('steps') },
    stages: {
      gen: { kind: 'steps', params: { steps: 3, stepMs, payloadKB: 64 }, matrix: { n: ns } },
      slow: { kind: 'steps', inputs: { gen: 'gen' }, params: { steps: 4, stepMs, payloadKB: 128 }, matrix: { n: ns } },
      total: {
        kind: 'exec',
        inputs: { parts: { stage: 'slow', all: true } },
        params: { command: 'cat "$ABLATE_IN_PARTS"/*/state.txt > total.txt', outputs: ['total.txt'] },
      },
    },
  };
}
