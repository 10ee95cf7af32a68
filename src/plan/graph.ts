import { createRequire } from 'node:module';
import type { Graph } from '@dagrejs/graphlib';
import type { Cell } from './types.js';
import type { StageConfig } from '../pipeline/pipeline-config.js';

type Graphlib = typeof import('@dagrejs/graphlib');
let graphlib: Graphlib | undefined;

/** graphlib, loaded on first use: a status of a trusted pipeline builds no graph. */
function lib(): Graphlib {
  graphlib ??= createRequire(import.meta.url)('@dagrejs/graphlib') as Graphlib;
  return graphlib;
}

/** The cell DAG: nodes are cell ids, an edge runs from producer to consumer. */
export function buildCellGraph(order: readonly Cell[]): Graph {
  const g = new (lib().Graph)({ directed: true });
  for (const cell of order) g.setNode(cell.id, cell.stage);
  for (const cell of order) {
    for (const input of Object.values(cell.inputs)) for (const from of input.cells) g.setEdge(from, cell.id);
  }
  return g;
}

/** A stage-level cycle as the list of stages along it, or undefined. */
export function findStageCycle(stages: readonly StageConfig[]): string[] | undefined {
  const { Graph, alg } = lib();
  const g = new Graph({ directed: true });
  for (const s of stages) g.setNode(s.name);
  for (const s of stages)
    for (const spec of Object.values(s.inputs)) if (g.hasNode(spec.stage)) g.setEdge(s.name, spec.stage);
  const cycles = alg.findCycles(g);
  if (cycles.length === 0) {
    const self = stages.find((s) => Object.values(s.inputs).some((i) => i.stage === s.name));
    return self === undefined ? undefined : [self.name];
  }
  const members = new Set<string>(cycles[0] as string[]);
  return orderCycle(g, members);
}

/** Walks the cycle's edges so the path reads in consumption order. */
function orderCycle(g: Graph, members: Set<string>): string[] {
  const start = [...members].sort()[0] as string;
  const path = [start];
  let current = start;
  for (;;) {
    const next = (g.successors(current) ?? []).find(
      (n: string) => members.has(n) && (n === start || !path.includes(n)),
    );
    if (next === undefined || next === start) return path;
    path.push(next);
    current = next;
  }
}

export function dependents(g: Graph, id: string): string[] {
  return g.successors(id) ?? [];
}
