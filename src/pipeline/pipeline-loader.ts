import { readFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { ValidateFunction } from 'ajv';
import type { Diagnostic } from './diagnostics.js';
import { suggest } from './diagnostics.js';
import { NO_OVERRIDES, type Overrides } from './overrides.js';
import {
  DEFAULT_MAX_CELLS,
  type InputConfig,
  type PipelineConfig,
  type Scalar,
  type StageConfig,
  type VarRef,
} from './pipeline-config.js';
import {
  axisTable,
  stageExclusions,
  stageMatrix,
  type AxisTable,
  type RawAxis,
  type RawExclude,
} from './shared-axes.js';
import { placeholders } from '../execution/exec-definition.js';
import type { MetricsDecl } from '../metrics/spec.js';
import { schemaDiagnostics } from './schema-errors.js';
import { locate, parseJsonSource, type JsonPath, type JsonSource } from './source.js';
import { decodePipelineText } from './text-encoding.js';
import type { JsonObject, JsonValue } from '../stage-api.js';
import { err, ok, type Result } from '../util/result.js';
import pipelineSchema from '../../schema/pipeline.schema.json' with { type: 'json' };
import { valueText } from '../util/value-text.js';

export interface LoadedPipeline {
  config: PipelineConfig;
  source: JsonSource;
  /** Validated before in this exact form: the analyzer may skip params validation. */
  trusted: boolean;
}

export type LoadFailure = { reason: 'invalid-pipeline'; diagnostics: Diagnostic[]; sources: Map<string, string> };

let validatePipeline: ValidateFunction | undefined;

/**
 * Reads, parses and structurally validates a pipeline file, applying the
 * `--set` and `--axis` overrides. `isTrusted(text)` says whether this exact
 * text (with these overrides and stage code) was validated before; then
 * structural validation is skipped.
 */
export async function loadPipelineFile(
  file: string,
  overrides: Overrides = NO_OVERRIDES,
  isTrusted: (text: string) => boolean | Promise<boolean> = () => false,
): Promise<Result<LoadedPipeline, LoadFailure>> {
  const path = resolve(file);
  const display = file;
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    return fail(
      [{ message: `cannot read pipeline ${display}: ${(e as NodeJS.ErrnoException).code ?? String(e)}` }],
      new Map(),
    );
  }
  const decoded = decodePipelineText(display, bytes);
  if (!decoded.ok) return fail([decoded.error.diagnostic], new Map([[display, decoded.error.display]]));
  const text = decoded.value;
  const sources = new Map([[display, text]]);
  const trusted = await isTrusted(text);
  const parsed = parseJsonSource(display, text, trusted);
  if (!parsed.ok) return fail(parsed.error, sources);
  const source = parsed.value;
  if (!trusted) {
    const { Ajv } = await import('ajv');
    validatePipeline ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(pipelineSchema);
    if (!validatePipeline(source.value)) {
      return fail(schemaDiagnostics(validatePipeline.errors ?? [], source, [], 'the pipeline'), sources);
    }
  }
  const raw = source.value as RawPipeline;
  // Own properties only: a variable named "constructor" or "__proto__" is a name like any other.
  const vars: JsonObject = Object.fromEntries([
    ...Object.entries(raw.vars ?? {}),
    ...overrides.set.map((o): [string, JsonValue] => [o.name, o.value]),
  ]);
  const unknownSet = overrides.set.find((o) => !Object.hasOwn(raw.vars ?? {}, o.name));
  if (unknownSet !== undefined) {
    const name = unknownSet.name;
    return fail(
      [
        {
          message: `--set ${name}: the pipeline declares no variable "${name}"`,
          location: locate(source, ['vars']),
          hint: suggest(name, Object.keys(raw.vars ?? {})),
        },
      ],
      sources,
    );
  }
  const { table, diagnostics } = axisTable(raw, overrides.axis);
  if (diagnostics.length > 0) return fail(diagnostics, sources);
  const stages = Object.entries(raw.stages).map(([name, s]) =>
    toStageConfig(name, s, { vars, table, excludes: raw.excludes ?? {}, source }, diagnostics),
  );
  for (const stage of stages) diagnostics.push(...checkPlaceholders(stage, source));
  if (diagnostics.length > 0) return fail(diagnostics, sources);
  return ok({
    source,
    trusted,
    config: {
      file: path,
      dir: dirname(path),
      name: raw.name ?? basename(path).replace(/\.json$/, ''),
      vars,
      setFlags: Object.fromEntries(overrides.set.map((o) => [o.name, o.flag])),
      kinds: raw.kinds ?? {},
      maxCells: raw.maxCells ?? DEFAULT_MAX_CELLS,
      stages,
    },
  });
}

interface RawStage {
  kind: string;
  description?: string;
  params?: JsonObject;
  inputs?: Record<string, string | { stage: string; all?: boolean }>;
  matrix?: Record<string, RawAxis>;
  exclude?: RawExclude[];
  timeout?: number;
  memoryMB?: number;
  resources?: { cpu?: number; gpu?: number };
  metrics?: MetricsDecl;
}

interface RawPipeline {
  name?: string;
  vars?: JsonObject;
  axes?: Record<string, Scalar[]>;
  excludes?: Record<string, RawExclude[]>;
  kinds?: Record<string, string>;
  maxCells?: number;
  stages: Record<string, RawStage>;
}

/** What every stage is resolved against. */
interface Context {
  vars: JsonObject;
  table: AxisTable;
  excludes: Record<string, RawExclude[]>;
  source: JsonSource;
}

function toStageConfig(name: string, s: RawStage, c: Context, out: Diagnostic[]): StageConfig {
  const inputs: Record<string, InputConfig> = {};
  for (const [key, spec] of Object.entries(s.inputs ?? {})) {
    inputs[key] =
      typeof spec === 'string' ? { stage: spec, all: false } : { stage: spec.stage, all: spec.all ?? false };
  }
  const varRefs: VarRef[] = [];
  const params = substituteVars(
    s.params ?? {},
    { ...c, refs: varRefs, base: ['stages', name, 'params'] },
    [],
    out,
  ) as JsonObject;
  const { matrix, sources } = stageMatrix(name, s.matrix ?? {}, c.table, c.source, out);
  return {
    name,
    kind: s.kind,
    description: s.description,
    params,
    inputs,
    matrix,
    axisSources: sources,
    exclude: stageExclusions(name, s.exclude ?? [], c.excludes, c.source, out),
    varRefs,
    timeout: s.timeout,
    memoryMB: s.memoryMB,
    resources: s.resources,
    metrics: s.metrics,
  };
}

/** Replaces `{"$var": "name"}` by the variable's value, recording where each came from and unknown names. */
function substituteVars(
  value: JsonValue,
  c: { vars: JsonObject; source: JsonSource; refs: VarRef[]; base: JsonPath },
  path: JsonPath,
  out: Diagnostic[],
): JsonValue {
  if (Array.isArray(value)) return value.map((v, i) => substituteVars(v, c, [...path, i], out));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  if (keys.length === 1 && keys[0] === '$var') {
    const name = valueText(value.$var);
    const v = Object.hasOwn(c.vars, name) ? c.vars[name] : undefined;
    if (v === undefined) {
      out.push({
        message: `unknown variable "${name}"`,
        location: locate(c.source, [...c.base, ...path, '$var']),
        hint: suggest(name, Object.keys(c.vars)),
      });
      return null;
    }
    c.refs.push({ path, name });
    return v;
  }
  // fromEntries defines each key, so a key "__proto__" stays a key instead of replacing the prototype.
  return Object.fromEntries(keys.map((k) => [k, substituteVars(value[k] as JsonValue, c, [...path, k], out)]));
}

/**
 * Every `{{name}}` of an exec command names a param or a matrix axis of its
 * stage; anything else would reach the shell as literal braces. The
 * location is the placeholder itself inside the command string.
 */
function checkPlaceholders(stage: StageConfig, source: JsonSource): Diagnostic[] {
  const command = stage.params.command;
  if (stage.kind !== 'exec' || typeof command !== 'string') return [];
  const known = [...Object.keys(stage.params), ...Object.keys(stage.matrix)];
  const out: Diagnostic[] = [];
  for (const p of placeholders(command)) {
    if (known.includes(p.name)) continue;
    const where = locate(source, ['stages', stage.name, 'params', 'command']);
    const inRaw = source.text.slice(where.offset, where.offset + where.length).indexOf(p.text);
    out.push({
      message: `the command names "${p.text}", which is neither a param nor a matrix axis of stage "${stage.name}"`,
      location: inRaw < 0 ? where : { file: where.file, offset: where.offset + inRaw, length: p.text.length },
      hint: suggest(p.name, known),
    });
  }
  return out;
}

function fail(diagnostics: Diagnostic[], sources: Map<string, string>): { ok: false; error: LoadFailure } {
  return err({ reason: 'invalid-pipeline', diagnostics, sources });
}
