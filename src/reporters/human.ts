import type { createLogUpdate } from 'log-update';
import type { ProgressUpdate } from '../stage-api.js';
import type { Reporter, RunEvent, TransferEvent } from '../execution/events.js';
import { Eta } from './eta.js';
import { bar, duration, metrics } from './format.js';
import { transferLine, transferSummary } from './transfer-format.js';
import { LineBuffer } from './line-buffer.js';
import { logCommand } from './shell-quote.js';
import { Sink } from './sink.js';
import { StartOrder } from './start-order.js';
import { describeResults } from '../report/results.js';
import { unreachable } from '../util/unreachable.js';

interface Running {
  stage: string;
  since: number;
  update?: ProgressUpdate;
  lastPlain: number;
}

const PLAIN_PROGRESS_EVERY_MS = 10_000;

/**
 * Live view on a TTY (cells done/total, elapsed, ETA, per-cell progress);
 * plain lines otherwise, so CI logs stay readable. The live view ends with
 * the run's summary: nothing is drawn after it.
 */
export class HumanReporter implements Reporter {
  private readonly running = new Map<string, Running>();
  private readonly start = Date.now();
  private total = 0;
  private finished = 0;
  private jobs = 1;
  private cachedAtStart = 0;
  private readonly eta = new Eta();
  private live: ReturnType<typeof createLogUpdate> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly sink: Sink;
  private readonly plain: LineBuffer;
  private readonly order = new StartOrder();

  /**
   * `createLive` draws the live view on a terminal; without it, or off a terminal, lines are plain.
   * `logArgs`: the arguments after `ablate log` that name this run's pipeline, for the failure summary.
   */
  constructor(
    out: NodeJS.WriteStream = process.stdout,
    createLive?: typeof createLogUpdate,
    private readonly logArgs: readonly string[] = ['PIPELINE'],
  ) {
    this.sink = new Sink(out);
    this.live = out.isTTY && createLive !== undefined ? createLive(out) : undefined;
    this.plain = new LineBuffer((t) => this.sink.write(t));
    if (this.live) this.timer = setInterval(() => this.render(), 250).unref();
  }

  /** Loads log-update (and its terminal-width dependencies) only for a terminal: piped and no-op runs start faster. */
  static async create(out: NodeJS.WriteStream = process.stdout, logArgs?: readonly string[]): Promise<HumanReporter> {
    return new HumanReporter(out, out.isTTY ? (await import('log-update')).createLogUpdate : undefined, logArgs);
  }

  onEvent(e: RunEvent | TransferEvent): void {
    switch (e.type) {
      case 'plan':
        this.total = e.cells;
        this.jobs = e.jobs;
        this.eta.plan(e.toRunByStage ?? {});
        this.cachedAtStart = e.cached;
        this.print(
          `${e.pipeline}: ${e.cells} cells, ${e.cached} cached, ${e.toRun} to run (jobs ${e.jobs})${runtimeNote(e.runtime)}`,
        );
        break;
      case 'selection':
        this.print(
          `--${e.flag} selected ${e.cells.length} of ${e.of} cells: ${e.cells.slice(0, 6).join(' ')}${e.cells.length > 6 ? ` and ${e.cells.length - 6} more` : ''}`,
        );
        break;
      case 'cell-start':
        this.running.set(e.cell, { stage: e.stage, since: Date.now(), lastPlain: Date.now() });
        if (!this.live) for (const line of this.order.started(e.cell)) this.print(line);
        break;
      case 'cell-exit':
        this.order.exited(e.cell);
        break;
      case 'progress':
        this.onProgress(e.cell, e.update);
        break;
      case 'cell':
        this.onCell(e);
        break;
      case 'would-run':
        this.print(`would run ${e.cell}${e.reasons.length ? `  (${e.reasons.join('; ')})` : ''}`);
        break;
      case 'warning':
        this.print(`warning: ${e.message}`);
        break;
      case 'summary':
        this.endLive();
        for (const line of this.order.flush()) this.print(line);
        this.onSummary(e);
        break;
      case 'results':
        this.print(describeResults(e));
        break;
      case 'transfer':
        // Cells that needed nothing are counted in the summary, not listed: a large pipeline's push stays readable.
        if (e.outcome !== 'present' && e.outcome !== 'not-computed' && e.outcome !== 'absent')
          this.print(transferLine(e));
        break;
      case 'transfer-summary':
        this.print(transferSummary(e));
        break;
      default:
        unreachable(e);
    }
  }

  private onSummary(e: Extract<RunEvent, { type: 'summary' }>): void {
    const parts = [
      `${e.ran} ran`,
      `${e.cached} cached${e.remote ? ` (${e.remote} from the remote)` : ''}`,
      `${e.failed} failed`,
      `${e.skipped} skipped`,
    ];
    const head = e.interrupted ? 'interrupted' : e.failed > 0 ? 'failed' : 'done';
    this.print(`${head}: ${parts.join(', ')} in ${duration(e.durationMs)}`);
    for (const f of e.failures) {
      this.print(`  ✗ ${f.cell}: ${f.message}`);
      if (f.tail)
        this.print(
          f.tail
            .split('\n')
            .map((l) => `      | ${l}`)
            .join('\n'),
        );
      if (f.log) this.print(`      full log: ${logCommand(this.logArgs, f.cell)}`);
    }
    if (e.interrupted) this.print('  finished cells are cached; run again to continue');
  }

  private onCell(e: Extract<RunEvent, { type: 'cell' }>): void {
    this.running.delete(e.cell);
    this.finished++;
    // The plan's cached cells are reported first; a cached cell after them was to run and was found cached (early cutoff, another process).
    if (e.status === 'cached' && this.cachedAtStart > 0) this.cachedAtStart--;
    else this.eta.finished(e.stage, e.status === 'ran' ? e.durationMs : undefined);
    if (e.status === 'cached' && this.live) return;
    const tag =
      e.source === 'remote'
        ? 'cached (remote)'
        : { ran: 'ran    ', cached: 'cached ', failed: 'FAILED ', skipped: 'skipped' }[e.status];
    const extra = e.durationMs !== undefined ? ` (${duration(e.durationMs)})` : e.message ? ` (${e.message})` : '';
    const line = `${tag} ${e.cell}${extra}`;
    if (this.live) this.print(line);
    else for (const l of this.order.reported(e.cell, line)) this.print(l);
  }

  private onProgress(cell: string, update: ProgressUpdate): void {
    const r = this.running.get(cell);
    if (r === undefined) return;
    r.update = update;
    if (!this.live && Date.now() - r.lastPlain >= PLAIN_PROGRESS_EVERY_MS) {
      r.lastPlain = Date.now();
      this.print(`        ${cell} ${progressText(update)}`);
    }
  }

  private print(text: string): void {
    if (this.live) {
      this.live.clear();
      this.sink.write(`${text}\n`);
      this.render();
    } else {
      this.plain.push(`${text}\n`);
    }
  }

  private render(): void {
    if (!this.live) return;
    if (!this.sink.open) {
      this.endLive();
      return;
    }
    const elapsed = Date.now() - this.start;
    const lines = [
      `${bar(this.total ? this.finished / this.total : 0, 24)} ${this.finished}/${this.total} cells · ${duration(elapsed)} elapsed${this.etaText()}`,
    ];
    for (const [cell, r] of this.running)
      lines.push(`  ▸ ${cell} ${r.update ? progressText(r.update) : ''} ${duration(Date.now() - r.since)}`);
    this.live(lines.join('\n'));
  }

  private etaText(): string {
    const now = Date.now();
    const running = [...this.running.values()].map((r) => ({ stage: r.stage, elapsedMs: now - r.since }));
    const left = this.eta.estimate(this.jobs, running);
    return left === undefined || this.finished >= this.total
      ? ''
      : ` · ETA ${duration(left.ms)}${left.partial ? '+' : ''}`;
  }

  /** Erases the live view for good; what follows is plain text below the last printed line. */
  private endLive(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (!this.live) return;
    if (this.sink.open) this.live.clear();
    this.live.done();
    this.live = undefined;
  }

  close(): void {
    this.endLive();
    for (const line of this.order.flush()) this.print(line);
    this.plain.flush();
  }
}

function progressText(u: ProgressUpdate): string {
  const frac = u.step !== undefined && u.total ? u.step / u.total : undefined;
  const head = frac !== undefined ? `${bar(frac, 12)} ${u.step}/${u.total}` : '';
  return [head, metrics(u.metrics), u.message ?? ''].filter((s) => s !== '').join('  ');
}

function runtimeNote(runtime: Record<string, string>): string {
  return runtime.backend ? ` · tfjs ${runtime.tfjs ?? '?'} on ${runtime.backend}` : '';
}
