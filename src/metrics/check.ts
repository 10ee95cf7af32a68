import type { StageNode } from '../plan/types.js';
import type { Diagnostic } from '../pipeline/diagnostics.js';
import { locate, type JsonSource } from '../pipeline/source.js';
import { metricsSpec, undeclaredMetricsFiles } from './spec.js';

/** An exec stage's metrics files must be among its `outputs`: nothing else is stored. */
export function checkMetricsFiles(node: StageNode, source: JsonSource): Diagnostic[] {
  const spec = metricsSpec(node.config.metrics);
  const outputs = node.config.params.outputs;
  if (spec === undefined || !Array.isArray(outputs)) return [];
  return undeclaredMetricsFiles(spec, outputs.map(String)).map((file) => ({
    message: `metrics file "${file}" of stage "${node.config.name}" is not among its outputs`,
    location: locate(source, ['stages', node.config.name, 'metrics']),
    hint: `add "${file}" to params.outputs`,
  }));
}
