import { importModule } from '../util/import-module.js';
import { describeThrown } from '../util/thrown.js';
import type {
  InputArtifact,
  JsonObject,
  JsonValue,
  ProgressUpdate,
  StageContext,
  StageDefinition,
} from '../stage-api.js';

/** What the engine sends to a worker: everything but the callbacks. */
export interface WorkerPayload {
  modulePath: string;
  stage: string;
  cell: string;
  params: JsonObject;
  axes: Record<string, JsonValue>;
  seed: number;
  inputs: Record<string, InputArtifact | InputArtifact[]>;
  outDir: string;
  workDir: string;
  runtime: Record<string, string>;
}

export type WorkerMessage =
  { type: 'progress'; update: ProgressUpdate } | { type: 'error'; message: string } | { type: 'done' };

/**
 * Entry point of the worker process: one cell per process, so a crash or a
 * leak in a stage never reaches the engine, and parallel cells use separate
 * cores (tfjs-wasm is single-threaded in Node).
 */
async function main(payload: WorkerPayload): Promise<void> {
  const send = (m: WorkerMessage): void => void process.send?.(m);
  const controller = new AbortController();
  process.once('SIGTERM', () => {
    controller.abort();
    setTimeout(() => process.exit(143), 1500).unref();
  });
  const mod = (await importModule(payload.modulePath)) as { default: StageDefinition };
  const ctx: StageContext<JsonObject> = {
    ...payload,
    progress: (update) => send({ type: 'progress', update }),
    log: (message) => console.log(message),
    signal: controller.signal,
  };
  // A rejection nobody handles is a bug in the stage, even when run() itself resolves.
  process.on('unhandledRejection', (reason) =>
    fail(`a promise was rejected and never handled: ${describeThrown(reason)}`, reason),
  );
  try {
    await mod.default.run(ctx);
  } catch (e) {
    fail(e instanceof Error ? e.message : `threw ${describeThrown(e)}`, e);
    return;
  }
  // One more turn of the event loop, so a rejection left behind by run() is reported before "done".
  setImmediate(() => finish({ type: 'done' }, 0));
}

let finished = false;

function fail(message: string, thrown: unknown): void {
  console.error(thrown instanceof Error ? (thrown.stack ?? thrown.message) : message);
  finish({ type: 'error', message }, 1);
}

/** Exits explicitly: a stage may leave timers or native handles open. */
function finish(message: WorkerMessage, code: number): void {
  if (finished) return;
  finished = true;
  if (process.send === undefined) process.exit(code);
  process.send(message, () => process.exit(code));
}

process.once('message', (payload) => {
  void main(payload as WorkerPayload);
});
