import type { MetricsDecl } from './metrics/spec.js';
import type { JsonObject, JsonValue } from './stage-api.js';

export type Scalar = string | number | boolean;

/** An input as the user wrote it. */
export interface InputConfig {
  stage: string;
  all: boolean;
}

/** One stage as the user wrote it, with `$var`s substituted. */
export interface StageConfig {
  name: string;
  kind: string;
  description?: string;
  params: JsonObject;
  inputs: Record<string, InputConfig>;
  matrix: Record<string, Scalar[]>;
  exclude: Record<string, JsonValue>[];
  timeout?: number;
  memoryMB?: number;
  resources?: { cpu?: number; gpu?: number };
  /** JSON outputs whose numbers are the cell's metrics; not part of the fingerprint (they are read from outputs). */
  metrics?: MetricsDecl;
}

export interface PipelineConfig {
  file: string;
  dir: string;
  name: string;
  vars: JsonObject;
  kinds: Record<string, string>;
  maxCells: number;
  stages: StageConfig[];
}

export const DEFAULT_MAX_CELLS = 100_000;
