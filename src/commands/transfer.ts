import type { Reporter } from '../execution/events.js';
import { EXIT, UsageError } from '../exit.js';
import { openRemote, remoteSettings } from '../remote/config.js';
import { noCounts, pullPipeline, pushPipeline } from '../remote/sync.js';
import { HumanReporter } from '../reporters/human.js';
import { JsonReporter } from '../reporters/json.js';
import { openSession } from './session.js';

export interface TransferOptions {
  pipelines: string[];
  cacheDir?: string;
  set?: string[];
  axis?: string[];
  backend?: string;
  remote?: string;
  reporter?: 'human' | 'json';
}

/** Moves the current cells of each named pipeline to or from the remote, then reports one summary. */
export async function transferCommand(direction: 'push' | 'pull', o: TransferOptions): Promise<number> {
  const settings = remoteSettings(o.remote);
  if (settings === undefined)
    throw new UsageError(
      `${direction}: no remote is configured (use --remote URL, ABLATE_REMOTE or ablate.config.json)`,
    );
  const remote = await openRemote(settings);
  const reporter: Reporter = o.reporter === 'json' ? new JsonReporter() : await HumanReporter.create();
  const emit = reporter.onEvent.bind(reporter);
  const context = { remote, concurrency: settings.concurrency, emit, counts: noCounts(), bytes: { total: 0 } };
  const start = Date.now();
  try {
    for (const pipeline of o.pipelines) {
      const session = await openSession({
        pipeline,
        cacheDir: o.cacheDir,
        set: o.set,
        axis: o.axis,
        backend: o.backend,
      });
      try {
        await (direction === 'push' ? pushPipeline : pullPipeline)(session, context);
      } finally {
        await session.cache.close();
      }
    }
    const { counts } = context;
    emit({
      type: 'transfer-summary',
      direction,
      remote: remote.url,
      counts,
      bytes: context.bytes.total,
      durationMs: Date.now() - start,
    });
    return counts.failed > 0 || counts.rejected > 0 ? EXIT.environment : EXIT.ok;
  } finally {
    remote.close();
    reporter.close();
  }
}
