/**
 * One model's row of the correlation table, built from its train, eval and
 * misalignment artifacts. Rows are small JSON files so that adding a
 * variant recomputes one row and the (cheap) merge, nothing else.
 */
import type { InputArtifact, JsonObject, JsonValue } from '../../src/stage-api.js';
import { at, num, str } from './artifacts.js';

export interface ModelRow {
  /** The train cell's id. */
  model: string;
  /** Axis values other than the seed, canonical: rows of one variant share it. */
  variant: string;
  task: string | null;
  f: string | null;
  arch: string | null;
  pe: string | null;
  seed: number | null;
  /**
   * Every axis of the train cell, plus task and f where the pipeline fixed
   * them as params: the evaluate side (variants.ts) does the same, so a
   * row and its evaluation share one variant key.
   */
  axes: Record<string, JsonValue>;
  /** Training MSE in f-space, over the last 5% of steps. */
  finalLoss: number | null;
  /** The same divided by the training targets' variance in f-space: comparable across f. */
  finalLossNorm: number | null;
  /**
   * The headline misalignment: the model's excess over its target's own
   * misalignment, divided by Var[f(target)] over the training distribution.
   */
  misalignment: number | null;
  misalignmentSe: number | null;
  /** The measured misalignment E[(g(a) - g(b))^2] on the same scale (target + model). */
  misalignmentMeasured: number | null;
  /** What an ideal predictor of the target scores, same scale: a property of (task, f). */
  misalignmentTarget: number | null;
  /** The earlier form, raw / Var[g] (the model's own output variance). */
  misalignmentOutputNorm: number | null;
  misalignmentOutputNormSe: number | null;
  /** E[(g(a) - g(b))^2] in f-space units. */
  misalignmentRaw: number | null;
  misalignmentRawSe: number | null;
  idMse: number | null;
  oodMse: number | null;
  /** Out-of-distribution horizon (evaluation.ts); ID failures are in idFailure. */
  horizon: number | null;
  idFailure: boolean | null;
  /** Outputs clamped into the range of f before inverting. */
  clamped: number | null;
  trainLengthMax: number | null;
}

/** Identity fields, in the order they appear in labels and tables. */
export const KEY_FIELDS = ['task', 'f', 'arch', 'pe'] as const;
const NOT_VARIANT = new Set(['seed']);

export interface RowSources {
  model: InputArtifact;
  modelJson: JsonObject;
  trainJson: JsonObject;
  evalJson: JsonObject;
  misalignmentJson: JsonObject;
}

export function buildRow(s: RowSources): ModelRow {
  const lookup = (name: string): JsonValue | undefined =>
    s.model.axes[name] ??
    s.model.params[name] ??
    s.modelJson[name] ??
    at(s.modelJson, 'config', name) ??
    at(s.modelJson, 'model', name) ??
    at(s.modelJson, 'data', name);
  const summary = at(s.evalJson, 'summary');
  const task = str(lookup('task'));
  const f = str(lookup('f'));
  const axes = withTaskAndF(s.model.axes, task, f);
  return {
    model: s.model.cell,
    variant: variantKey(axes),
    task,
    f,
    arch: str(lookup('arch')),
    pe: str(lookup('pe')),
    seed: num(lookup('seed')),
    axes,
    finalLoss: num(s.trainJson.finalLoss),
    finalLossNorm: num(s.trainJson.finalLossNorm),
    misalignment: num(at(s.misalignmentJson, 'scaled', 'excess', 'mean')),
    misalignmentSe: num(at(s.misalignmentJson, 'scaled', 'excess', 'se')),
    misalignmentMeasured: num(at(s.misalignmentJson, 'scaled', 'measured', 'mean')),
    misalignmentTarget: num(at(s.misalignmentJson, 'scaled', 'target', 'mean')),
    misalignmentOutputNorm: num(at(s.misalignmentJson, 'normalized', 'mean')),
    misalignmentOutputNormSe: num(at(s.misalignmentJson, 'normalized', 'se')),
    misalignmentRaw: num(at(s.misalignmentJson, 'raw', 'mean')),
    misalignmentRawSe: num(at(s.misalignmentJson, 'raw', 'se')),
    idMse: num(at(summary, 'idMse')),
    oodMse: num(at(summary, 'oodMse')),
    horizon: num(at(summary, 'horizon')),
    idFailure: bool(at(summary, 'idFailure')),
    clamped: num(at(summary, 'clamped', 'count')),
    trainLengthMax: num(at(summary, 'trainLengthMax')),
  };
}

/** The identity axes a variant key always has, filled in when they are not matrix axes. */
export function withTaskAndF(
  axes: Record<string, JsonValue>,
  task: string | null,
  f: string | null,
): Record<string, JsonValue> {
  const out = { ...axes };
  if (task !== null && !('task' in out)) out.task = task;
  if (f !== null && !('f' in out)) out.f = f;
  return out;
}

/** `arch=gpt,f=sqrt,pe=nope,task=length`: axes minus seed, sorted by name. */
export function variantKey(axes: Record<string, JsonValue>): string {
  return Object.keys(axes)
    .filter((k) => !NOT_VARIANT.has(k))
    .sort()
    .map((k) => `${k}=${typeof axes[k] === 'string' ? axes[k] : JSON.stringify(axes[k])}`)
    .join(',');
}

/** A short legend label: key fields first, then any other axis, seed left out. */
export function variantLabel(axes: Record<string, JsonValue>, omit: readonly string[] = []): string {
  const skip = new Set([...NOT_VARIANT, ...omit]);
  const known = KEY_FIELDS.filter((k) => k in axes && !skip.has(k));
  const rest = Object.keys(axes)
    .filter((k) => !skip.has(k) && !(KEY_FIELDS as readonly string[]).includes(k))
    .sort();
  const parts = [...known, ...rest].map((k) => `${k}=${str(axes[k]) ?? JSON.stringify(axes[k])}`);
  return parts.length > 0 ? parts.join(' · ') : 'all';
}

/** Parses row.json back; a row written by an older version keeps what it has. */
export function parseRow(json: JsonObject): ModelRow {
  const axes = json.axes;
  return {
    model: str(json.model) ?? 'unknown',
    variant: str(json.variant) ?? '',
    task: str(json.task),
    f: str(json.f),
    arch: str(json.arch),
    pe: str(json.pe),
    seed: num(json.seed),
    axes: axes !== null && typeof axes === 'object' && !Array.isArray(axes) ? axes : {},
    finalLoss: num(json.finalLoss),
    finalLossNorm: num(json.finalLossNorm),
    misalignment: num(json.misalignment),
    misalignmentSe: num(json.misalignmentSe),
    misalignmentMeasured: num(json.misalignmentMeasured),
    misalignmentTarget: num(json.misalignmentTarget),
    misalignmentOutputNorm: num(json.misalignmentOutputNorm),
    misalignmentOutputNormSe: num(json.misalignmentOutputNormSe),
    misalignmentRaw: num(json.misalignmentRaw),
    misalignmentRawSe: num(json.misalignmentRawSe),
    idMse: num(json.idMse),
    oodMse: num(json.oodMse),
    horizon: num(json.horizon),
    idFailure: bool(json.idFailure),
    clamped: num(json.clamped),
    trainLengthMax: num(json.trainLengthMax),
  };
}

function bool(v: JsonValue | undefined): boolean | null {
  return typeof v === 'boolean' ? v : null;
}
