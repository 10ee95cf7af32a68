import { existsSync, readdirSync } from 'node:fs';
import { dirname, isAbsolute, normalize, resolve } from 'node:path';
import { suggest, uniqueDiagnostics, type Diagnostic } from '../pipeline/diagnostics.js';
import { buildCellGraph, findStageCycle } from './graph.js';
import { cellId, expandMatrix, matrixSize, project, type Axes } from '../pipeline/matrix.js';
import type { PipelineConfig, StageConfig } from '../pipeline/pipeline-config.js';
import type { LoadedPipeline, LoadFailure } from '../pipeline/pipeline-loader.js';
import { axisValuePlace, checkAxesAccepted, validateParams } from './params-check.js';
import { checkDeclaredInputs } from './inputs-check.js';
import { locate, type JsonSource } from '../pipeline/source.js';
import type { JsonObject } from '../stage-api.js';
import { availableKinds, kindModulePath, loadKind, pluginValue } from './stage-kinds.js';
import { checkMetricsFiles } from '../metrics/check.js';
import { err, ok, type Result } from '../util/result.js';
import type { Graph } from '@dagrejs/graphlib';
import type { Analysis, Cell, CellInput, KindInfo, StageNode } from './types.js';
import { valueText } from '../util/value-text.js';

/** Turns a structurally valid pipeline into cells and the DAG between them. */
export async function analyze(loaded: LoadedPipeline): Promise<Result<Analysis, LoadFailure>> {
  const { config, source } = loaded;
  const diagnostics = [...checkReferences(config, source), ...checkMatrices(config, source)];
  if (diagnostics.length === 0) diagnostics.push(...checkCycle(config, source));
  if (diagnostics.length > 0) return fail(diagnostics, source);

  const kinds = new Map<string, KindInfo>();
  for (const kind of new Set(config.stages.map((s) => s.kind))) {
    try {
      kinds.set(kind, await loadKind(kind, kindModulePath(kind, config.kinds, config.dir)));
    } catch (e) {
      const stage = config.stages.find((s) => s.kind === kind);
      diagnostics.push({
        message: `cannot load stage kind "${kind}": ${(e as Error).message}`,
        location: locate(source, ['stages', stage?.name ?? '', 'kind']),
      });
    }
  }
  if (diagnostics.length > 0) return fail(diagnostics, source);

  const stages = new Map<string, StageNode>();
  const cells = new Map<string, Cell>();
  const order: Cell[] = [];
  const ajv = loaded.trusted
    ? undefined
    : new (await import('ajv')).Ajv({ allErrors: true, strict: false, verbose: true });
  for (const stageConfig of topoSortStages(config)) {
    const kind = kinds.get(stageConfig.kind) as KindInfo;
    let validate: ReturnType<NonNullable<typeof ajv>['compile']> | undefined;
    try {
      validate = ajv?.compile(kind.definition.params);
    } catch (e) {
      // The schema comes from the kind's module, not from the pipeline: name the kind, point at its use.
      const message = `stage kind "${kind.name}" declares an invalid params schema: ${(e as Error).message}`;
      return fail([{ message, location: locate(source, ['stages', stageConfig.name, 'kind']) }], source);
    }
    const node: StageNode = { config: stageConfig, kind, axisNames: Object.keys(stageConfig.matrix).sort(), cells: [] };
    stages.set(stageConfig.name, node);
    const links = inputLinks(node, stages, source, diagnostics);
    if (links === undefined) return fail(diagnostics, source);
    diagnostics.push(...checkAxesAccepted(node, links, source));
    if (diagnostics.length > 0) return fail(diagnostics, source);
    for (const axes of expandMatrix(
      stageConfig.matrix,
      stageConfig.exclude.map((e) => e.match),
    )) {
      const cell = makeCell(node, links, axes, cells, source, diagnostics);
      if (cell === undefined) continue;
      if (validate !== undefined && !validateParams(validate, cell, node, config.setFlags, source, diagnostics))
        continue;
      node.cells.push(cell.id);
      cells.set(cell.id, cell);
      order.push(cell);
    }
    if (diagnostics.length > 0) return fail(diagnostics, source);
    diagnostics.push(
      ...checkExecPaths(node, source),
      ...checkPlugins(node, cells, source),
      ...checkDeclaredInputs(node, stages, source),
    );
  }
  if (diagnostics.length > 0) return fail(diagnostics, source);
  let graph: Graph | undefined;
  return ok({
    pipeline: config,
    stages,
    cells,
    order,
    get graph(): Graph {
      graph ??= buildCellGraph(order);
      return graph;
    },
  });
}

/** How a stage's input reaches its upstream stage: resolved once per stage, used for each of its cells. */
interface InputLink {
  name: string;
  stage: string;
  all: boolean;
  upstream: StageNode;
  /** Axes both stages vary over, sorted: they pick the upstream cells. */
  shared: string[];
}

function inputLinks(
  node: StageNode,
  stages: Map<string, StageNode>,
  source: JsonSource,
  out: Diagnostic[],
): InputLink[] | undefined {
  const s = node.config;
  const links: InputLink[] = [];
  for (const [name, spec] of Object.entries(s.inputs)) {
    const upstream = stages.get(spec.stage) as StageNode;
    const extra = upstream.axisNames.filter((a) => !node.axisNames.includes(a));
    if (!spec.all && extra.length > 0) {
      out.push({
        message: `input "${name}" of stage "${s.name}" is ambiguous: stage "${spec.stage}" varies over ${extra.join(', ')}, which "${s.name}" does not`,
        location: locate(source, ['stages', s.name, 'inputs', name]),
        hint: `add the axis to "${s.name}", or fan in with {"stage": "${spec.stage}", "all": true}`,
      });
      return undefined;
    }
    links.push({
      name,
      stage: spec.stage,
      all: spec.all,
      upstream,
      shared: upstream.axisNames.filter((a) => node.axisNames.includes(a)),
    });
  }
  return links;
}

function makeCell(
  node: StageNode,
  links: InputLink[],
  axes: Axes,
  cells: Map<string, Cell>,
  source: JsonSource,
  out: Diagnostic[],
): Cell | undefined {
  const s = node.config;
  const id = cellId(s.name, axes, node.axisNames);
  const inputs: Record<string, CellInput> = {};
  for (const link of links) {
    const matching = cellsMatching(link.upstream, link.shared, axes, cells);
    if (matching.length === 0) {
      out.push({
        message: `input "${link.name}" of ${id}: no cell of stage "${link.stage}" matches ${JSON.stringify(project(axes, link.shared))}`,
        location: locate(source, ['stages', s.name, 'inputs', link.name]),
      });
      return undefined;
    }
    inputs[link.name] = { stage: link.stage, all: link.all, cells: matching };
  }
  const params: JsonObject = { ...s.params, ...axes };
  const seed = typeof params.seed === 'number' ? params.seed : 0;
  return { id, stage: s.name, kind: s.kind, axes, params, seed, inputs };
}

/** Index of a stage's cells by their values on `shared` axes, built once per (stage, axes). */
const indexes = new WeakMap<StageNode, Map<string, Map<string, string[]>>>();

function cellsMatching(upstream: StageNode, shared: string[], axes: Axes, cells: Map<string, Cell>): string[] {
  if (shared.length === 0) return upstream.cells;
  const byAxes = indexes.get(upstream) ?? new Map<string, Map<string, string[]>>();
  indexes.set(upstream, byAxes);
  const name = shared.join('\0');
  let index = byAxes.get(name);
  if (index === undefined) {
    index = new Map();
    for (const id of upstream.cells) {
      const k = axesKey((cells.get(id) as Cell).axes, shared);
      const list = index.get(k);
      if (list === undefined) index.set(k, [id]);
      else list.push(id);
    }
    byAxes.set(name, index);
  }
  return index.get(axesKey(axes, shared)) ?? [];
}

function axesKey(axes: Axes, names: string[]): string {
  let k = '';
  for (const n of names) k += `${JSON.stringify(axes[n])}\0`;
  return k;
}

function checkReferences(config: PipelineConfig, source: JsonSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  const kinds = availableKinds(config.kinds);
  const names = config.stages.map((s) => s.name);
  for (const s of config.stages) {
    if (!kinds.includes(s.kind)) {
      out.push({
        message: `unknown stage kind "${s.kind}"`,
        location: locate(source, ['stages', s.name, 'kind']),
        hint: suggest(s.kind, kinds) ?? `known kinds: ${kinds.join(', ')}`,
      });
    }
    for (const [input, spec] of Object.entries(s.inputs)) {
      if (!names.includes(spec.stage)) {
        const raw = (source.value as { stages: Record<string, { inputs: Record<string, unknown> }> }).stages[s.name]
          ?.inputs[input];
        out.push({
          message: `input "${input}" of stage "${s.name}" refers to an unknown stage "${spec.stage}"`,
          location: locate(
            source,
            typeof raw === 'string'
              ? ['stages', s.name, 'inputs', input]
              : ['stages', s.name, 'inputs', input, 'stage'],
          ),
          hint: suggest(
            spec.stage,
            names.filter((n) => n !== s.name),
          ),
        });
      }
    }
  }
  return out;
}

function checkMatrices(config: PipelineConfig, source: JsonSource): Diagnostic[] {
  const out: Diagnostic[] = [];
  let total = 0;
  for (const s of config.stages) {
    const axes = Object.keys(s.matrix);
    for (const axis of axes) {
      if (Object.hasOwn(s.params, axis)) {
        out.push({
          message: `matrix axis "${axis}" of stage "${s.name}" is also set in its params`,
          location: locate(source, ['stages', s.name, 'matrix', axis], 'key'),
        });
      }
    }
    for (const ex of s.exclude) {
      for (const k of Object.keys(ex.match)) {
        if (!axes.includes(k)) {
          out.push({
            message: `exclude entry names "${k}", which is not a matrix axis of stage "${s.name}"`,
            location: locate(source, [...ex.path, k], 'key'),
            hint: suggest(k, axes),
          });
        }
      }
    }
    total += matrixSize(s.matrix);
    if (total > config.maxCells) {
      out.push({
        message: `the pipeline expands to more than ${config.maxCells} cells (stage "${s.name}" alone has ${matrixSize(s.matrix)})`,
        location: locate(source, ['stages', s.name, 'matrix']),
        hint: 'raise "maxCells" at the top of the pipeline if this is intended',
      });
      break;
    }
  }
  return out;
}

function checkCycle(config: PipelineConfig, source: JsonSource): Diagnostic[] {
  const cycle = findStageCycle(config.stages);
  if (cycle === undefined) return [];
  // A stage that consumes itself is a cycle of one: point at that input.
  const [first, second = first] = cycle;
  const input =
    Object.entries(config.stages.find((s) => s.name === first)?.inputs ?? {}).find(
      ([, v]) => v.stage === second,
    )?.[0] ?? '';
  return [
    {
      message: `cycle: ${[...cycle, cycle[0]].join(' -> ')} (each stage consumes the next)`,
      location: locate(source, ['stages', first ?? '', 'inputs', input]),
    },
  ];
}

function checkExecPaths(node: StageNode, source: JsonSource): Diagnostic[] {
  if (node.kind.type === 'module') return [];
  const out: Diagnostic[] = [];
  for (const field of ['outputs', 'deps'] as const) {
    const list = node.config.params[field];
    if (!Array.isArray(list)) continue;
    list.forEach((p, i) => {
      const path = valueText(p);
      const escapes = field === 'outputs' && (isAbsolute(path) || normalize(path).startsWith('..'));
      if (escapes) {
        out.push({
          message: `output "${path}" escapes the cell's output directory; use a relative path inside it`,
          location: locate(source, ['stages', node.config.name, 'params', field, i]),
        });
      }
    });
  }
  out.push(...checkMetricsFiles(node, source));
  return out;
}

/** A param naming a plugin module (e.g. the reparameterization `f`) must name one that exists. */
function checkPlugins(node: StageNode, cells: Map<string, Cell>, source: JsonSource): Diagnostic[] {
  if (node.kind.type === 'exec') return [];
  const modulePath = node.kind.modulePath;
  const plugins = node.kind.definition.plugins ?? {};
  const out: Diagnostic[] = [];
  for (const [param, dir] of Object.entries(plugins)) {
    const folder = resolve(dirname(modulePath), dir);
    const available = existsSync(folder)
      ? readdirSync(folder)
          .filter((f) => f.endsWith('.js'))
          .map((f) => f.slice(0, -3))
      : [];
    const values = new Set(
      node.cells
        .map((id) => pluginValue(node.kind.definition, cells.get(id)?.params ?? {}, param))
        .filter((v) => v !== undefined),
    );
    for (const v of values) {
      if (available.includes(v)) continue;
      const axis = node.config.matrix[param];
      const message = `${param} "${v}" is not a known ${param} of stage kind "${node.kind.name}" (no module ${dir}/${v}.js)`;
      const value = axis?.find((a) => String(a) === v);
      const place =
        value !== undefined
          ? axisValuePlace(node, param, value, source, message)
          : { message, location: locate(source, ['stages', node.config.name, 'params', param]) };
      out.push({ ...place, hint: suggest(v, available) ?? `known: ${available.join(', ')}` });
    }
  }
  return out;
}

function topoSortStages(config: PipelineConfig): StageConfig[] {
  const done = new Set<string>();
  const byName = new Map(config.stages.map((s) => [s.name, s]));
  const out: StageConfig[] = [];
  const visit = (s: StageConfig): void => {
    if (done.has(s.name)) return;
    done.add(s.name);
    for (const spec of Object.values(s.inputs)) visit(byName.get(spec.stage) as StageConfig);
    out.push(s);
  };
  config.stages.forEach(visit);
  return out;
}

/** A problem shared by many cells (a static param, one matrix value) is reported once. */
function fail(diagnostics: Diagnostic[], source: JsonSource): { ok: false; error: LoadFailure } {
  return err({
    reason: 'invalid-pipeline',
    diagnostics: uniqueDiagnostics(diagnostics),
    sources: new Map([[source.file, source.text]]),
  });
}
