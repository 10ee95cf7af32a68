import type { createLogUpdate } from 'log-update';
import type { ProgressUpdate } from '../stage-api.js';
import type { Reporter, RunEvent, TransferEvent } from '../events.js';
import { bar, duration, metrics } from './format.js';
import { transferLine, transferSummary } from './transfer-format.js';
import { LineBuffer } from './line-buffer.js';
import { describeResults } from '../results.js';

interface Running {
  stage: string;
  since: number;
  update?: ProgressUpdate;
  lastPlain: number;
}

const PLAIN_PROGRESS_EVERY_MS = 10_000;

/**
 * Live view on a TTY (cells done/total, elapsed, ETA, per-cell progress);
 * plain lines otherwise, so CI logs stay readable.
 */
export class HumanReporter implements Reporter {
  private readonly running = new Map<string, Running>();
  private readonly start = Date.now();
  private total = 0;
  private finished = 0;
  private jobs = 1;
  private ranMs: number[] = [];
  private readonly live: ReturnType<typeof createLogUpdate> | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly plain: LineBuffer;

  /** `createLive` draws the live view on a terminal; without it, or off a terminal, lines are plain. */
  constructor(private readonly out: NodeJS.WriteStream = process.stdout, createLive?: typeof createLogUpdate) {
    this.live = out.isTTY && createLive !== undefined ? createLive(out) : undefined;
    this.plain = new LineBuffer((t) => out.write(t));
    if (this.live) this.timer = setInterval(() => this.render(), 250).unref();
  }

  /** Loads log-update (and its terminal-width dependencies) only for a terminal: piped and no-op runs start faster. */
  static async create(out: NodeJS.WriteStream = process.stdout): Promise<HumanReporter> {
    return new HumanReporter(out, out.isTTY ? (await import('log-update')).createLogUpdate : undefined);
  }

  onEvent(e: RunEvent | TransferEvent): void {
    switch (e.type) {
      case 'plan':
        this.total = e.cells;
        this.jobs = e.jobs;
        this.print(`${e.pipeline}: ${e.cells} cells, ${e.cached} cached, ${e.toRun} to run (jobs ${e.jobs})${runtimeNote(e.runtime)}`);
        break;
      case 'cell-start':
        this.running.set(e.cell, { stage: e.stage, since: Date.now(), lastPlain: Date.now() });
        if (!this.live) this.print(`start   ${e.cell}`);
        break;
      case 'progress':
        this.onProgress(e.cell, e.update);
        break;
      case 'cell':
        this.onCell(e);
        break;
      case 'warning':
        this.print(`warning: ${e.message}`);
        break;
      case 'summary': {
        const parts = [`${e.ran} ran`, `${e.cached} cached${e.remote ? ` (${e.remote} from the remote)` : ''}`, `${e.failed} failed`, `${e.skipped} skipped`];
        const head = e.interrupted ? 'interrupted' : e.failed > 0 ? 'failed' : 'done';
        this.print(`${head}: ${parts.join(', ')} in ${duration(e.durationMs)}`);
        for (const f of e.failures) {
          this.print(`  ✗ ${f.cell}: ${f.message}`);
          if (f.tail) this.print(f.tail.split('\n').map((l) => `      | ${l}`).join('\n'));
          if (f.log) this.print(`      full log: ablate log PIPELINE ${f.cell}`);
        }
        if (e.interrupted) this.print('  finished cells are cached; run again to continue');
        break;
      }
      case 'results':
        this.print(describeResults(e));
        break;
      case 'transfer':
        // Cells that needed nothing are counted in the summary, not listed: a large pipeline's push stays readable.
        if (e.outcome !== 'present' && e.outcome !== 'not-computed' && e.outcome !== 'absent') this.print(transferLine(e));
        break;
      case 'transfer-summary':
        this.print(transferSummary(e));
        break;
      default: {
        const never: never = e;
        void never;
      }
    }
  }

  private onCell(e: Extract<RunEvent, { type: 'cell' }>): void {
    this.running.delete(e.cell);
    this.finished++;
    if (e.status === 'ran' && e.durationMs !== undefined) this.ranMs.push(e.durationMs);
    if (e.status === 'cached' && this.live) return;
    const tag = e.source === 'remote' ? 'cached (remote)' : { ran: 'ran    ', cached: 'cached ', failed: 'FAILED ', skipped: 'skipped' }[e.status];
    const extra = e.durationMs !== undefined ? ` (${duration(e.durationMs)})` : e.message ? ` (${e.message})` : '';
    this.print(`${tag} ${e.cell}${extra}`);
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
      this.out.write(`${text}\n`);
      this.render();
    } else {
      this.plain.push(`${text}\n`);
    }
  }

  private render(): void {
    if (!this.live) return;
    const elapsed = Date.now() - this.start;
    const lines = [`${bar(this.total ? this.finished / this.total : 0, 24)} ${this.finished}/${this.total} cells · ${duration(elapsed)} elapsed${this.eta()}`];
    for (const [cell, r] of this.running) lines.push(`  ▸ ${cell} ${r.update ? progressText(r.update) : ''} ${duration(Date.now() - r.since)}`);
    this.live(lines.join('\n'));
  }

  private eta(): string {
    if (this.ranMs.length === 0) return '';
    const mean = this.ranMs.reduce((a, b) => a + b, 0) / this.ranMs.length;
    const left = this.total - this.finished;
    return left > 0 ? ` · ETA ${duration((left * mean) / this.jobs)}` : '';
  }

  close(): void {
    this.plain.flush();
    if (this.timer) clearInterval(this.timer);
    if (this.live) {
      this.render();
      this.live.done();
    }
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
