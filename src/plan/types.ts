/**
 * What analysis produces and every later phase reads: stage kinds, cells
 * (one stage at one point of its matrix), stage nodes and the analysis that
 * holds them.
 */
import type { Graph } from '@dagrejs/graphlib';
import type { Axes } from '../pipeline/matrix.js';
import type { PipelineConfig, StageConfig } from '../pipeline/pipeline-config.js';
import type { JsonObject, StageDefinition } from '../stage-api.js';

export interface CellInput {
  stage: string;
  all: boolean;
  /** Upstream cell ids in the order the cell is fed: a fan-in's folder i (and ctx.inputs[i]) is cells[i], and so is its fingerprint's entry i. */
  cells: string[];
}

/** One unit of work: a stage at one point of its matrix. */
export interface Cell {
  id: string;
  stage: string;
  kind: string;
  axes: Axes;
  params: JsonObject;
  seed: number;
  inputs: Record<string, CellInput>;
}

export interface StageNode {
  config: StageConfig;
  kind: KindInfo;
  axisNames: string[];
  cells: string[];
}

export interface Analysis {
  pipeline: PipelineConfig;
  stages: Map<string, StageNode>;
  cells: Map<string, Cell>;
  /** Cells in an order where every input comes before its consumer. */
  order: Cell[];
  /** The cell DAG (graphlib), built on first use: status and no-op runs never need it. */
  readonly graph: Graph;
}

/**
 * What the engine reads of a kind in its own process: everything but `run`,
 * which only a worker calls.
 */
export type KindSchema = Omit<StageDefinition, 'run'>;

/**
 * A stage kind: the built-in `exec` (a shell command run by the engine's
 * child-process layer) or a JS module whose `run` a worker imports.
 */
export type KindInfo =
  | { type: 'exec'; name: string; definition: KindSchema }
  | { type: 'module'; name: string; /** Absolute path of the module. */ modulePath: string; definition: KindSchema };
