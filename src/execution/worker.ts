import { importModule } from '../util/import-module.js';
import { describeThrown } from '../util/thrown.js';
import type {
  InputArtifact,
  JsonObject,
  JsonValue,
  MemberOutcome,
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

/** A group of sibling cells for one process: each member as a lone cell's payload, less the module. */
export interface GroupPayload {
  modulePath: string;
  members: Omit<WorkerPayload, 'modulePath'>[];
}

/** `member`: the index of the group member a message is about; absent for a lone cell. */
export type WorkerMessage =
  | { type: 'progress'; update: ProgressUpdate; member?: number }
  | { type: 'log'; message: string; member: number }
  | { type: 'outcome'; outcome: MemberOutcome; member: number }
  | { type: 'error'; message: string }
  | { type: 'done' };

const send = (m: WorkerMessage): void => void process.send?.(m);

/**
 * Entry point of the worker process: one cell (or one group of sibling
 * cells, see mainGroup) per process, so a crash or a leak in a stage never
 * reaches the engine, and parallel cells use separate
 * cores (tfjs-wasm is single-threaded in Node).
 */
async function main(payload: WorkerPayload): Promise<void> {
  const controller = stopOnSigterm();
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

/**
 * A group's entry point: the members' outcomes are reported one by one; a
 * throw from runGroup (or a wrong answer) fails the whole group.
 */
async function mainGroup(payload: GroupPayload): Promise<void> {
  const controller = stopOnSigterm();
  const mod = (await importModule(payload.modulePath)) as { default: StageDefinition };
  const members = payload.members.map((m, member): StageContext<JsonObject> => ({
    ...m,
    progress: (update) => send({ type: 'progress', update, member }),
    log: (message) => send({ type: 'log', message, member }),
    signal: controller.signal,
  }));
  process.on('unhandledRejection', (reason) =>
    fail(`a promise was rejected and never handled: ${describeThrown(reason)}`, reason),
  );
  let outcomes: MemberOutcome[];
  try {
    outcomes = await runMembers(mod.default, members);
  } catch (e) {
    fail(e instanceof Error ? e.message : `threw ${describeThrown(e)}`, e);
    return;
  }
  for (const [member, outcome] of outcomes.entries()) send({ type: 'outcome', outcome, member });
  setImmediate(() => finish({ type: 'done' }, 0));
}

/** A lone member goes to `run`, as a lone cell does: a kind's single-cell path is always `run`. */
async function runMembers(def: StageDefinition, members: StageContext<JsonObject>[]): Promise<MemberOutcome[]> {
  if (members.length === 1) {
    try {
      await def.run(members[0] as StageContext<JsonObject>);
      return [{ ok: true }];
    } catch (e) {
      return [{ ok: false, message: e instanceof Error ? e.message : `threw ${describeThrown(e)}` }];
    }
  }
  if (def.runGroup === undefined) throw new Error('the kind has no runGroup');
  const outcomes: unknown = await def.runGroup(members);
  if (!Array.isArray(outcomes) || outcomes.length !== members.length || !outcomes.every(isOutcome))
    throw new Error(`runGroup must resolve to one { ok } outcome per member (${members.length})`);
  return outcomes;
}

function isOutcome(o: unknown): o is MemberOutcome {
  if (o === null || typeof o !== 'object') return false;
  const { ok, message } = o as { ok?: unknown; message?: unknown };
  return ok === true || (ok === false && typeof message === 'string');
}

/** SIGTERM (the run stopped, or the cell timed out) aborts the signal; the stage has a moment to checkpoint. */
function stopOnSigterm(): AbortController {
  const controller = new AbortController();
  process.once('SIGTERM', () => {
    controller.abort();
    setTimeout(() => process.exit(143), 1500).unref();
  });
  return controller;
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
  if (Object.hasOwn(payload as object, 'members')) void mainGroup(payload as GroupPayload);
  else void main(payload as WorkerPayload);
});
