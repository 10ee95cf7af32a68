/**
 * The contract between the engine and a stage implementation.
 *
 * A stage kind is an ES module whose default export is a StageDefinition.
 * The engine imports it in a worker process (never in its own), builds a
 * StageContext for one cell and awaits `run`. Everything the stage writes
 * under `ctx.outDir` becomes the cell's artifacts once `run` resolves.
 *
 * Write a kind with {@link defineStage}: its params schema is written once,
 * and `ctx.params` gets the TypeScript type that schema describes
 * (json-schema-to-ts), with every default filled in before `run`.
 */
import type { FromSchema, JSONSchema } from 'json-schema-to-ts';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

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

/**
 * Sibling cells a kind can run together in one process (see `runGroup`).
 * Which cells share a group is never part of a fingerprint, record or
 * output: a cell's result must be the same alone or in any group.
 */
export interface GroupPolicy {
  /** Params whose values may differ between the members of one group; all other params must be equal. */
  over: string[];
  /** Most members per group (default 8); `ablate run --group-size N` lowers it. */
  maxSize?: number;
}

/** How one member of a group ended. */
export type MemberOutcome = { ok: true } | { ok: false; message: string };

/** An input the kind reads, checked against the pipeline by `ablate validate`. */
export interface InputDeclaration {
  /** A fan-in (`{"stage": ..., "all": true}`): one artifact per upstream cell. Default: one artifact. */
  fanIn?: boolean;
  /** Files the kind reads from the input; an upstream kind that declares its outputs must list them. */
  files?: string[];
  /** Absent from the pipeline is allowed. */
  optional?: boolean;
  description?: string;
}

export interface StageDefinition<P = JsonObject> {
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
   * The inputs the kind reads, by name. Declared inputs are checked at
   * `ablate validate`: a missing or unknown name, one artifact where a
   * fan-in is wired (or the reverse), a file the upstream does not declare.
   * Omitted: any inputs.
   */
  inputs?: Record<string, InputDeclaration>;
  /** Files the kind writes under `ctx.outDir` on success; checked by downstream `inputs[].files`. */
  outputs?: string[];
  /**
   * Keep top-level imports light: the engine imports the definition to read
   * its schema. Load heavy modules inside `run` with `await import('./x.js')`
   * (literal specifiers are followed by the code hash).
   */
  run(ctx: StageContext<P>): Promise<void>;
  /** Lets the engine hand `runGroup` several sibling cells at once; a kind with one needs the other. */
  group?: GroupPolicy;
  /**
   * Runs a group's members (two or more; a lone cell goes to `run`) in one
   * process: one outcome per member, in order. A member that fails must not
   * fail the others; a throw fails every member. Each member has its own
   * outDir, workDir, progress and log; they share one signal.
   */
  runGroup?(members: StageContext<P>[]): Promise<MemberOutcome[]>;
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

export interface StageContext<P = unknown> {
  stage: string;
  cell: string;
  params: P;
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

/** A params schema whose TypeScript type json-schema-to-ts can derive. */
export type ParamsSchema = JSONSchema;

/** The params a kind's `run` sees: the schema's type, defaulted properties present. */
export type ParamsOf<S> = S extends ParamsSchema ? FromSchema<S> : JsonObject;

/** What {@link defineStage} takes: a definition whose `run` is typed by its params schema. */
export interface TypedStageDefinition<S> extends Omit<StageDefinition, 'params' | 'run' | 'runGroup'> {
  params: S;
  run(ctx: StageContext<ParamsOf<S>>): Promise<void>;
  runGroup?(members: StageContext<ParamsOf<S>>[]): Promise<MemberOutcome[]>;
}

/**
 * Defines a stage kind. Write the schema inline (or `as const`): `ctx.params`
 * is typed from it, and every top-level property with a `default` that the
 * cell leaves out is filled in before `run`, so defaults live only in the
 * schema.
 */
export function defineStage<const S extends object>(def: TypedStageDefinition<S>): StageDefinition {
  const schema = def.params as unknown as JsonObject;
  // The run is typed at the call site; here S is unresolved, so its params type is not computed.
  const { run, runGroup } = def as unknown as Pick<StageDefinition, 'run' | 'runGroup'>;
  const defaulted = (ctx: StageContext<JsonObject>): StageContext<JsonObject> => ({
    ...ctx,
    params: withSchemaDefaults(schema, ctx.params),
  });
  return {
    ...(def as unknown as StageDefinition),
    params: schema,
    run: (ctx) => run(defaulted(ctx)),
    ...(runGroup === undefined ? {} : { runGroup: (members) => runGroup(members.map(defaulted)) }),
  };
}

/**
 * A `runGroup` for kinds whose cells are short next to a process start (an
 * ML stage's includes loading TF.js): each member's `run` in turn, in the
 * group's one process. A member that throws fails alone; once the group is
 * aborted, the members not yet run fail without running.
 */
export async function runInTurn<P>(
  members: readonly StageContext<P>[],
  run: (ctx: StageContext<P>) => Promise<void>,
): Promise<MemberOutcome[]> {
  const outcomes: MemberOutcome[] = [];
  for (const member of members) {
    if (member.signal.aborted) {
      outcomes.push({ ok: false, message: 'The group was interrupted before this cell ran' });
      continue;
    }
    try {
      await run(member);
      outcomes.push({ ok: true });
    } catch (e) {
      outcomes.push({ ok: false, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return outcomes;
}

/**
 * What is wrong with a kind's `group` and `runGroup`, if anything: each
 * needs the other, `over` names params and `maxSize` is a whole number.
 */
export function groupPolicyProblem(def: Partial<Pick<StageDefinition, 'group' | 'runGroup'>>): string | undefined {
  const hasRunGroup = typeof def.runGroup === 'function';
  if (def.group === undefined)
    return hasRunGroup ? 'defines runGroup but no group policy (group: { over: [...] })' : undefined;
  if (!hasRunGroup) return 'declares a group policy but no runGroup(members) to run a group';
  const { over, maxSize } = def.group as Partial<GroupPolicy>;
  if (!Array.isArray(over) || !over.every((p) => typeof p === 'string'))
    return 'group.over must be an array of param names';
  if (maxSize !== undefined && (!Number.isInteger(maxSize) || maxSize < 1))
    return `group.maxSize must be a whole number of at least 1, got ${String(maxSize)}`;
  return undefined;
}

/**
 * `params` with the schema's top-level defaults filled in where a property
 * is absent. Keys come in the schema's order, then any others in theirs, so
 * a stage that writes its params out writes them the same way every time.
 */
export function withSchemaDefaults(schema: JsonObject, params: JsonObject): JsonObject {
  const properties = schema.properties;
  if (properties === null || typeof properties !== 'object' || Array.isArray(properties)) return params;
  const out: JsonObject = {};
  for (const [name, property] of Object.entries(properties)) {
    if (Object.hasOwn(params, name)) out[name] = params[name] as JsonValue;
    else if (
      property !== null &&
      typeof property === 'object' &&
      !Array.isArray(property) &&
      Object.hasOwn(property, 'default')
    ) {
      out[name] = structuredClone(property.default as JsonValue);
    }
  }
  for (const [name, value] of Object.entries(params)) if (!Object.hasOwn(out, name)) out[name] = value;
  return out;
}
