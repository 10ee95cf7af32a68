import type { JsonPath } from './source.js';
import type { MetricsDecl } from '../metrics/spec.js';
import type { JsonObject, JsonValue } from '../stage-api.js';

export type Scalar = string | number | boolean;

/** An input as the user wrote it. */
export interface InputConfig {
  stage: string;
  all: boolean;
}

/** Where an axis's values come from, for messages that point at one of them. */
export interface AxisSource {
  /** The value list in the file: `["axes", name]` or `["stages", stage, "matrix", axis]`. */
  path: JsonPath;
  /** The last `--axis` flag that changed the list. */
  flag?: string;
  /** How many leading values still stand where the file lists them (all, unless a flag replaced them). */
  fromFile: number;
}

/** One exclusion: cells matching every entry are dropped. A value is a scalar, `{"$not": v or [v...]}` or `{"$in": [v...]}`. */
export interface Exclusion {
  match: Record<string, JsonValue>;
  /** The entry in the file (in the stage or in a shared `excludes` list). */
  path: JsonPath;
}

/** A param value that came from `{"$var": name}`, at `path` inside the stage's params. */
export interface VarRef {
  path: JsonPath;
  name: string;
}

/** One stage as the user wrote it, with `$var`s substituted and shared axes resolved. */
export interface StageConfig {
  name: string;
  kind: string;
  description?: string;
  params: JsonObject;
  inputs: Record<string, InputConfig>;
  matrix: Record<string, Scalar[]>;
  axisSources: Record<string, AxisSource>;
  exclude: Exclusion[];
  varRefs: VarRef[];
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
  /** Variables set by `--set`, with the flag's text. */
  setFlags: Record<string, string>;
  kinds: Record<string, string>;
  maxCells: number;
  stages: StageConfig[];
}

export const DEFAULT_MAX_CELLS = 100_000;
