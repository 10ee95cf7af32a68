/**
 * The contract between the engine and a stage implementation.
 *
 * A stage kind is an ES module whose default export is a StageDefinition.
 * The engine imports it in a worker process (never in its own), builds a
 * StageContext for one cell and awaits `run`. Everything the stage writes
 * under `ctx.outDir` becomes the cell's artifacts once `run` resolves.
 */

export type JsonValue =
  | null
  | boolean
  | number
  | string
  | JsonValue[]
  | { [key: string]: JsonValue };

export type JsonObject = { [key: string]: JsonValue };

/** Facts about the environment that change a stage's results. */
export type RuntimeProvider = 'tfjs';

export interface Resources {
  /** CPU slots a cell occupies (default 1). */
  cpu?: number;
  /** GPU slots; the engine binds them to device indices via CUDA_VISIBLE_DEVICES. */
  gpu?: number;
}

export interface VerifyPolicy {
  /**
   * Absolute tolerance for numeric JSON outputs and float32 binary outputs
   * when `ablate verify` compares a re-execution with the cached artifact.
   * Omitted: byte-for-byte comparison.
   */
  tolerance?: number;
}

export interface StageDefinition {
  /** One line shown by `ablate dag` and in errors. */
  description?: string;
  /**
   * JSON Schema (draft 2020-12 subset understood by ajv) for the cell's
   * params: the stage's static params merged with its matrix axis values.
   */
  params: JsonObject;
  resources?: Resources;
  /** Runtime facts folded into the fingerprint (e.g. tfjs version and backend). */
  runtime?: RuntimeProvider[];
  verify?: VerifyPolicy;
  /**
   * Outputs that record how a run went rather than what it computed (wall
   * time, steps/s, the step a resume started from). They are stored and
   * exported, but left out of the content hash that dependents fingerprint
   * (so they never defeat early cutoff) and out of `ablate verify`.
   */
  volatile?: string[];
  /**
   * Params whose value names a module: `{ f: './reparam' }` means param `f`
   * selects `./reparam/<value>.js` (relative to the stage module), loaded by
   * the stage with a dynamic import. The engine folds that module's code
   * hash into the fingerprint, so adding a new module never invalidates
   * cells that use the others.
   */
  plugins?: Record<string, string>;
  /**
   * Keep top-level imports light: the engine imports the definition to read
   * its schema. Load heavy modules inside `run` with `await import('./x.js')`
   * (literal specifiers are followed by the code hash).
   */
  run(ctx: StageContext): Promise<void>;
}

/** One upstream cell's artifacts, materialised for reading. */
export interface InputArtifact {
  stage: string;
  /** Stable cell id, e.g. `train[arch=gpt,seed=0]`. */
  cell: string;
  /** The upstream cell's matrix axis values. */
  axes: Record<string, JsonValue>;
  /** The upstream cell's params (static and axis values merged). */
  params: JsonObject;
  /** Directory holding the upstream outputs (verified copies; read-only by convention). */
  dir: string;
  /** Relative paths of the files in `dir`. */
  files: string[];
}

export interface ProgressUpdate {
  /** Current step and total, for a progress bar and an ETA. */
  step?: number;
  total?: number;
  /** Free-form metrics shown next to the bar, e.g. { loss: 0.12, 'steps/s': 25 }. */
  metrics?: Record<string, number>;
  message?: string;
}

export interface StageContext {
  stage: string;
  cell: string;
  params: JsonObject;
  axes: Record<string, JsonValue>;
  /** The `seed` param or axis value; 0 when the cell has none. */
  seed: number;
  /** Inputs by name: one artifact for a matched input, an array for a fan-in. */
  inputs: Record<string, InputArtifact | InputArtifact[]>;
  /** Empty directory; everything written here becomes the cell's output. */
  outDir: string;
  /**
   * Directory that survives a failed or killed attempt of the same
   * fingerprint (checkpoints live here). Never read as a result.
   */
  workDir: string;
  /** Runtime facts resolved by the engine, e.g. { backend: 'wasm', tfjs: '4.22.0' }. */
  runtime: Record<string, string>;
  progress(update: ProgressUpdate): void;
  log(message: string): void;
  /** Aborted when the run is interrupted or the cell times out. */
  signal: AbortSignal;
}

/** Helper so stage modules get type checking without importing engine internals. */
export function defineStage(def: StageDefinition): StageDefinition {
  return def;
}
