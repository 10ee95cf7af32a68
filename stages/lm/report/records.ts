/**
 * The language-model report's view of its upstream cells: one record per
 * trained model, joining the evaluate cell's eval.json with the train cell's
 * train.json and model.json of the same axes. Everything here is parsed
 * field by field, so a wrongly wired input fails with the cell and file named.
 */
import type { JsonObject, JsonValue } from '../../../src/stage-api.js';
import { at, num, str } from '../../analysis/artifacts.js';

export interface PositionCe {
  /** 1-based: the CE of predicting token position+1 after seeing `position` tokens. */
  position: number;
  ce: number;
  se: number | null;
}

export interface ModelRecord {
  /** The evaluate cell's id. */
  cell: string;
  task: string;
  /** Axis values of the evaluate cell (arch, pe, alpha, lExtraRange, seed, ...). */
  axes: Record<string, JsonValue>;
  seed: number;
  lTrain: number;
  testLength: number;
  entropyRate: number | null;
  perPosition: PositionCe[];
  idCe: number;
  longCe: number;
  longExcess: number | null;
  /** Misalignment, SCE (the paper's metric) and symmetric KL: mean over samples. */
  sce: number | null;
  symkl: number | null;
  /** Final training loss (nats/token), null without the train cell. */
  trainLoss: number | null;
}

/** Parses one eval.json; `task` and `trainLoss` come from elsewhere. */
export function parseEvalJson(
  cell: string,
  json: JsonObject,
): Omit<ModelRecord, 'task' | 'axes' | 'seed' | 'trainLoss'> {
  const need = (v: number | null, what: string): number => {
    if (v === null) throw new Error(`${cell}: eval.json has no number at ${what}; was it written by lm-evaluate?`);
    return v;
  };
  const rows = at(json, 'perPosition');
  if (!Array.isArray(rows))
    throw new Error(`${cell}: eval.json has no perPosition list; was it written by lm-evaluate?`);
  const perPosition = rows.map((r, i) => ({
    position: need(num(at(r, 'position')), `perPosition[${i}].position`),
    ce: need(num(at(r, 'ce')), `perPosition[${i}].ce`),
    se: num(at(r, 'se')),
  }));
  return {
    cell,
    lTrain: need(num(at(json, 'lTrain')), 'lTrain'),
    testLength: need(num(at(json, 'testLength')), 'testLength'),
    entropyRate: num(at(json, 'entropyRate')),
    perPosition,
    idCe: need(num(at(json, 'idCe')), 'idCe'),
    longCe: need(num(at(json, 'longCe')), 'longCe'),
    longExcess: num(at(json, 'longExcess')),
    sce: num(at(json, 'misalignment', 'sce', 'mean')),
    symkl: num(at(json, 'misalignment', 'symkl', 'mean')),
  };
}

export interface TrainFacts {
  trainLoss: number | null;
  source: string | null;
  backend: string | null;
  tfjs: string | null;
  paramCount: number | null;
}

/** train.json and (when present) model.json of one lm-train cell. */
export function parseTrainJson(train: JsonObject, model: JsonObject | null): TrainFacts {
  return {
    trainLoss: num(at(train, 'finalLoss')),
    source: model ? str(at(model, 'data', 'source')) : null,
    backend: str(at(train, 'backend')),
    tfjs: str(at(train, 'tfjsVersion')),
    paramCount: num(at(train, 'paramCount')),
  };
}

/** Canonical text of axis values, for joining cells of different stages. */
export function axesKey(axes: Record<string, JsonValue>, skip: readonly string[] = []): string {
  return JSON.stringify(
    Object.keys(axes)
      .filter((k) => !skip.includes(k))
      .sort()
      .map((k) => [k, axes[k] ?? null]),
  );
}
