/**
 * One language model's row of the correlation table, from its lm-train
 * cell (model.json, train.json) and its lm-evaluate cell (eval.json).
 * `misalignment` is the paper's metric (SCE); symmetric KL sits beside it.
 * `variant` is the cell's axes minus the seed, so the seeds of one variant
 * share it and the statistics can treat them as one cluster.
 */
import type { InputArtifact, JsonObject, JsonValue } from '../../../src/stage-api.js';
import { at, num, str } from '../../analysis/artifacts.js';
import { variantKey } from '../../analysis/rows.js';

export interface LmRow {
  model: string;
  variant: string;
  axes: Record<string, JsonValue>;
  task: string | null;
  arch: string | null;
  pe: string | null;
  alpha: number | null;
  divergence: string | null;
  lExtraRange: string | null;
  seed: number | null;
  trainLoss: number | null;
  misalignment: number | null;
  misalignmentSe: number | null;
  misalignmentSymkl: number | null;
  misalignmentSymklSe: number | null;
  idCe: number | null;
  longCe: number | null;
  longExcess: number | null;
}

export interface LmRowSources {
  model: InputArtifact;
  modelJson: JsonObject;
  trainJson: JsonObject;
  evalJson: JsonObject;
}

export function buildLmRow(s: LmRowSources): LmRow {
  // Axes first (they name the variant), then the cell's params, then what lm-train recorded.
  const lookup = (section: string, name: string): JsonValue | undefined =>
    s.model.axes[name] ?? s.model.params[name] ?? at(s.modelJson, section, name);
  const task = str(s.model.axes['task'] ?? at(s.modelJson, 'data', 'source'));
  const axes = { ...s.model.axes };
  if (task !== null && !('task' in axes)) axes['task'] = task;
  return {
    model: s.model.cell,
    variant: variantKey(axes),
    axes,
    task,
    arch: str(lookup('config', 'arch')),
    pe: str(lookup('config', 'pe')),
    alpha: num(lookup('train', 'alpha')),
    divergence: str(lookup('train', 'divergence')),
    lExtraRange: rangeText(lookup('train', 'lExtraRange')),
    seed: num(lookup('train', 'seed')),
    trainLoss: num(s.trainJson['finalLoss']),
    misalignment: num(at(s.evalJson, 'misalignment', 'sce', 'mean')),
    misalignmentSe: num(at(s.evalJson, 'misalignment', 'sce', 'se')),
    misalignmentSymkl: num(at(s.evalJson, 'misalignment', 'symkl', 'mean')),
    misalignmentSymklSe: num(at(s.evalJson, 'misalignment', 'symkl', 'se')),
    idCe: num(s.evalJson['idCe']),
    longCe: num(s.evalJson['longCe']),
    longExcess: num(s.evalJson['longExcess']),
  };
}

/** lExtraRange may be a name ('half') or a [lo, hi] pair; rows carry it as text so it can key a group. */
function rangeText(v: JsonValue | undefined): string | null {
  if (Array.isArray(v)) return JSON.stringify(v);
  return str(v);
}

/** A row.json read back; fields that are absent or of the wrong type become null. */
export function parseLmRow(json: JsonObject, file: string): LmRow {
  const model = str(json['model']);
  const variant = str(json['variant']);
  if (model === null || variant === null) throw new Error(`${file}: not an lm-row row.json (no model or variant)`);
  const axes = json['axes'];
  return {
    model,
    variant,
    axes: axes !== null && typeof axes === 'object' && !Array.isArray(axes) ? axes : {},
    task: str(json['task']),
    arch: str(json['arch']),
    pe: str(json['pe']),
    alpha: num(json['alpha']),
    divergence: str(json['divergence']),
    lExtraRange: str(json['lExtraRange']),
    seed: num(json['seed']),
    trainLoss: num(json['trainLoss']),
    misalignment: num(json['misalignment']),
    misalignmentSe: num(json['misalignmentSe']),
    misalignmentSymkl: num(json['misalignmentSymkl']),
    misalignmentSymklSe: num(json['misalignmentSymklSe']),
    idCe: num(json['idCe']),
    longCe: num(json['longCe']),
    longExcess: num(json['longExcess']),
  };
}
