import yargs, { type ArgumentsCamelCase, type Argv } from 'yargs';
import { CacheDamagedError, CacheUnavailableError, isLmdbError } from './cache/errors.js';
import { CommandError, EXIT, UsageError } from './exit.js';

/** Wiring only: each command's module is loaded when that command runs. */
export async function main(args: string[]): Promise<void> {
  // Commands carry no yargs handler: yargs only parses and the chosen command runs afterwards,
  // which spares yargs laying out every command's help text on each invocation.
  const handlers = new Map<string, (a: ArgumentsCamelCase) => Promise<number>>();
  const on = <U>(
    name: string,
    builder: (y: Argv) => Argv<U>,
    handler: (a: ArgumentsCamelCase<U>) => Promise<number>,
  ) => {
    handlers.set(name, handler as (a: ArgumentsCamelCase) => Promise<number>);
    return builder;
  };
  const common = <T>(y: Argv<T>) =>
    y
      .positional('pipeline', { type: 'string', demandOption: true, describe: 'pipeline JSON file' })
      .option('cache-dir', { type: 'string', describe: 'cache location (default ./cache, or ABLATE_CACHE_DIR)' })
      .option('set', { type: 'string', array: true, describe: 'override a pipeline variable: name=value' })
      .option('axis', {
        type: 'string',
        array: true,
        describe: "an axis's values for this run: name=a,b replaces them, name+=c adds one",
      })
      .option('backend', { type: 'string', describe: 'TensorFlow.js backend for ML stages (or ABLATE_BACKEND)' });
  const transfer = <T>(y: Argv<T>) =>
    y
      .positional('pipelines', { type: 'string', array: true, demandOption: true, describe: 'pipeline JSON files' })
      .option('cache-dir', { type: 'string', describe: 'cache location (default ./cache, or ABLATE_CACHE_DIR)' })
      .option('set', { type: 'string', array: true, describe: 'override a pipeline variable: name=value' })
      .option('axis', {
        type: 'string',
        array: true,
        describe: "an axis's values for this run: name=a,b replaces them, name+=c adds one",
      })
      .option('backend', { type: 'string', describe: 'TensorFlow.js backend for ML stages (or ABLATE_BACKEND)' })
      .option('remote', {
        type: 'string',
        describe: 's3://bucket/prefix or file:///path (or ABLATE_REMOTE, or ablate.config.json)',
      })
      .option('reporter', { choices: ['human', 'json'] as const, default: 'human' as const });
  const parser = yargs(args)
    .scriptName('ablate')
    .usage('$0 <command> [options]\n\nDeclarative, cached DAG pipelines for ML ablation studies.')
    .command(
      'run <pipeline>',
      'run the cells that are not cached',
      on(
        'run',
        (y) =>
          common(y)
            .option('jobs', { alias: 'j', ...whole('jobs', 1), describe: 'parallel CPU slots (default: cores)' })
            .option('only', {
              type: 'string',
              array: true,
              describe:
                "run only these cells and what they need: a stage, a cell id or 'stage[axis=value,...]' (repeatable)",
            })
            .option('force', {
              type: 'string',
              array: true,
              describe: 'run these cells even if cached; selectors as --only (repeatable)',
            })
            .option('dry-run', { type: 'boolean', describe: 'show what would run' })
            .option('reporter', { choices: ['human', 'json'] as const, default: 'human' as const })
            .option('require-cached', { type: 'boolean', describe: 'exit 3 if any cell would run' })
            .option('remote', {
              type: 'string',
              describe:
                'shared remote cache, read before computing: s3://bucket/prefix or file:///path (or ABLATE_REMOTE, or ablate.config.json)',
            })
            .option('push', { type: 'boolean', describe: 'upload each newly computed cell to the remote' })
            .option('gpus', { type: 'string', describe: 'GPU indices for cells that need one, e.g. 0,1' })
            .option('group', {
              type: 'boolean',
              describe: 'run sibling cells of a groupable kind in one process (--no-group: each alone)',
            })
            .option('group-size', { ...whole('group-size', 1), describe: "most cells per group (default: the kind's)" })
            .option('executor', {
              choices: ['local', 'slurm'] as const,
              default: 'local' as const,
              describe: 'where cells run; slurm: one sbatch job per cell',
            })
            .option('partition', { type: 'string', describe: 'Slurm partition (--executor slurm)' })
            .option('slurm-opt', {
              type: 'string',
              array: true,
              describe: 'extra sbatch option, e.g. --slurm-opt=--account=lab (repeatable)',
            })
            .option('slurm-staging', {
              type: 'string',
              describe:
                'job staging directory on a filesystem the compute nodes share (default <cache>/slurm, or ABLATE_SLURM_STAGING)',
            }),
        async (a) => (await import('./commands/run.js')).runCommand({ ...a, pipeline: a.pipeline }),
      ),
    )
    .command(
      'status <pipeline>',
      'how many cells are cached, and why the others would run',
      on(
        'status',
        (y) =>
          common(y)
            .option('json', { type: 'boolean' })
            .option('verbose', { alias: 'v', type: 'boolean', describe: 'list cached cells too' }),
        async (a) => (await import('./commands/status.js')).statusCommand({ ...a, pipeline: a.pipeline }),
      ),
    )
    .command(
      'explain <pipeline> <cell>',
      "diff a cell's fingerprint against its last run",
      on(
        'explain',
        (y) => common(y).positional('cell', { type: 'string', demandOption: true }),
        async (a) =>
          (await import('./commands/explain.js')).explainCommand({
            ...a,
            pipeline: a.pipeline,
            cell: a.cell,
          }),
      ),
    )
    .command(
      'dag <pipeline>',
      'draw the graph, coloured by what the cache holds',
      on(
        'dag',
        (y) =>
          common(y)
            .option('format', { choices: ['dot', 'mermaid', 'svg'] as const, default: 'dot' as const })
            .option('level', {
              choices: ['stage', 'cell'] as const,
              default: 'stage' as const,
              describe: 'one node per stage, or per cell',
            }),
        async (a) => (await import('./commands/dag.js')).dagCommand({ ...a, pipeline: a.pipeline }),
      ),
    )
    .command(
      'validate <pipeline>',
      'check a pipeline without running it',
      on(
        'validate',
        (y) => common(y),
        async (a) =>
          (await import('./commands/dag.js')).validateCommand({
            pipeline: a.pipeline,
            set: a.set,
            axis: a.axis,
          }),
      ),
    )
    .command(
      'export <pipeline>',
      'copy final artifacts and provenance manifests to a folder',
      on(
        'export',
        (y) =>
          common(y)
            .option('out', { type: 'string', demandOption: true })
            .option('all', { type: 'boolean', describe: 'every cell, not only final ones' }),
        async (a) => (await import('./commands/export.js')).exportCommand({ ...a, pipeline: a.pipeline }),
      ),
    )
    .command(
      'verify <pipeline>',
      're-execute cached cells and compare outputs with the cache',
      on(
        'verify',
        (y) =>
          common(y)
            .option('sample', { ...whole('sample', 1), describe: 'how many cached cells to draw (default 3)' })
            .option('cell', { type: 'string', array: true, describe: 'verify these cells' })
            .option('seed', { ...whole('seed', 0), describe: 'seed of the random draw' }),
        async (a) => (await import('./commands/verify.js')).verifyCommand({ ...a, pipeline: a.pipeline }),
      ),
    )
    .command(
      'log <pipeline> <cell>',
      "print a cell's log",
      on(
        'log',
        (y) => common(y).positional('cell', { type: 'string', demandOption: true }),
        async (a) =>
          (await import('./commands/log.js')).logCommand({
            ...a,
            pipeline: a.pipeline,
            cell: a.cell,
          }),
      ),
    )
    .command(
      'push <pipelines..>',
      "upload the pipelines' cached cells to the remote",
      on(
        'push',
        (y) => transfer(y),
        async (a) => (await import('./commands/push.js')).pushCommand({ ...a, pipelines: a.pipelines }),
      ),
    )
    .command(
      'pull <pipelines..>',
      "download the pipelines' cells from the remote, verified",
      on(
        'pull',
        (y) => transfer(y),
        async (a) => (await import('./commands/pull.js')).pullCommand({ ...a, pipelines: a.pipelines }),
      ),
    )
    .command(
      'show <pipeline>',
      "a table of the cells' cached metrics, seeds aggregated; runs nothing",
      on(
        'show',
        (y) =>
          common(y)
            .option('stage', {
              type: 'string',
              array: true,
              describe: 'stages to show (default: those declaring metrics)',
            })
            .option('metrics', { type: 'string', array: true, describe: 'metric names or globs' })
            .option('group-by', {
              type: 'string',
              array: true,
              describe: 'axes that make a row; the others are aggregated (default: all but seed)',
            })
            .option('cells', { type: 'boolean', describe: 'one row per cell, nothing aggregated' })
            .option('where', { type: 'string', array: true, describe: 'keep cells with axis=value' })
            .option('sort', { type: 'string', describe: 'axis or metric to sort by, KEY or KEY:desc' })
            .option('format', {
              choices: ['table', 'csv', 'json', 'markdown', 'latex'] as const,
              default: 'table' as const,
            }),
        async (a) => (await import('./commands/show.js')).showCommand({ ...a, pipeline: a.pipeline }),
      ),
    )
    .command(
      'diff <left> [right]',
      'compare the cached metrics of two states of a study; runs nothing',
      on(
        'diff',
        (y) =>
          y
            .positional('left', { type: 'string', demandOption: true, describe: 'pipeline JSON file (the left side)' })
            .positional('right', { type: 'string', describe: 'a second pipeline file (the right side)' })
            .option('cache-dir', { type: 'string', describe: 'cache location (default ./cache, or ABLATE_CACHE_DIR)' })
            .option('set', {
              type: 'string',
              array: true,
              describe: 'override a pipeline variable on both sides: name=value',
            })
            .option('left-set', { type: 'string', array: true, describe: 'override a variable on the left side only' })
            .option('right-set', {
              type: 'string',
              array: true,
              describe: 'override a variable on the right side only',
            })
            .option('rev', { type: 'string', describe: 'left side: the pipeline file at this git revision' })
            .option('backend', { type: 'string', describe: 'TensorFlow.js backend for ML stages (or ABLATE_BACKEND)' })
            .option('stage', {
              type: 'string',
              array: true,
              describe: 'stages to compare (default: those declaring metrics)',
            })
            .option('metrics', { type: 'string', array: true, describe: 'metric names or globs' })
            .option('group-by', {
              type: 'string',
              array: true,
              describe: 'axes that make a variant (default: all but seed)',
            })
            .option('where', { type: 'string', array: true, describe: 'keep cells with axis=value' })
            .option('all', { type: 'boolean', describe: 'list unchanged variants too' })
            .option('fail-on', {
              type: 'string',
              array: true,
              describe: "exit 1 when a difference passes a bound, e.g. 'oodMse>0.1'",
            })
            .option('format', {
              choices: ['table', 'csv', 'json', 'markdown', 'latex'] as const,
              default: 'table' as const,
            }),
        async (a) =>
          (await import('./commands/diff.js')).diffCommand({
            ...a,
            left: a.left,
            right: a.right,
          }),
      ),
    )
    .command(
      'gc',
      'delete unreferenced artifacts and leftovers of killed runs; --keep: all but what named pipelines use',
      on(
        'gc',
        (y) =>
          y
            .option('cache-dir', { type: 'string' })
            .option('keep', {
              type: 'string',
              array: true,
              describe: 'keep only the records the current cells of these pipelines use (repeatable)',
            })
            .option('set', {
              type: 'string',
              array: true,
              describe: 'with --keep: override a pipeline variable: name=value',
            })
            .option('dry-run', {
              type: 'boolean',
              describe: 'with --keep: list what would be removed, remove nothing',
            }),
        async (a) => (await import('./commands/gc.js')).gcCommand(a),
      ),
    )
    .command(
      'doctor',
      'verify the whole cache; --rebuild replaces a damaged database',
      on(
        'doctor',
        (y) => y.option('cache-dir', { type: 'string' }).option('rebuild', { type: 'boolean' }),
        async (a) => (await import('./commands/doctor.js')).doctorCommand(a),
      ),
    )
    .demandCommand(1, 'name a command; see ablate --help')
    .strict()
    .recommendCommands()
    .exitProcess(false)
    .fail((msg, e) => {
      // yargs passes no error (despite its types) when the arguments themselves are wrong.
      throw (e as Error | undefined) ?? new UsageError(msg);
    })
    .help()
    .version();
  skipHelpLayout(parser);
  let code: number = EXIT.ok;
  guardUnfinished();
  (await import('./reporters/sink.js')).quietOnClosedStdout();
  unfinished++;
  try {
    const argv = await parser.parseAsync();
    const handler = handlers.get(String(argv._[0]));
    if (handler !== undefined && argv.help !== true && argv.version !== true) {
      checkSingleValued(argv);
      code = await handler(argv);
    }
  } catch (e) {
    code = report(e);
  }
  unfinished--;
  process.exitCode = code;
}

/**
 * After parsing, yargs lays out the chosen command's help text to have it at
 * hand should the command fail; that layout was a third of a no-op run's own
 * time. This CLI's failures are thrown (see `.fail`) and never print help,
 * and `--help` lays the text out when it is asked for, so it is not cached.
 */
function skipHelpLayout(parser: Argv): void {
  type Internal = { getInternalMethods?: () => { getUsageInstance: () => { cacheHelpMessage: () => void } } };
  const usage = (parser as unknown as Internal).getInternalMethods?.().getUsageInstance();
  if (usage !== undefined) usage.cacheHelpMessage = () => undefined;
}

/** Options and positionals declared `array: true` above. */
const REPEATABLE = new Set([
  'set',
  'axis',
  'only',
  'force',
  'keep',
  'slurm-opt',
  'cell',
  'pipelines',
  'stage',
  'metrics',
  'group-by',
  'where',
  'left-set',
  'right-set',
  'fail-on',
]);

/**
 * A numeric option that must be a whole number of at least `min`: "abc",
 * "1.5", "-1" or "1e3" is a usage error naming the flag, never a NaN that
 * silently selects nothing. Every numeric option is declared with it.
 */
function whole(flag: string, min: number): { type: 'string'; coerce: (v: unknown) => number } {
  return {
    type: 'string',
    coerce: (v: unknown): number => {
      if (Array.isArray(v)) throw repeated(flag, v);
      const text = String(v).trim();
      if (!/^-?\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
        throw new UsageError(
          `--${flag} expects a whole number${min > 0 ? ` of at least ${min}` : ' (0 or more)'}, got "${String(v)}"`,
        );
      }
      return Number(text);
    },
  };
}

function repeated(flag: string, values: unknown[]): UsageError {
  return new UsageError(`--${flag} was given ${values.length} times (${values.map(String).join(', ')}); give it once`);
}

/**
 * yargs turns a repeated option into an array; an option that takes one
 * value would then see the array (a path of "a,b", a NaN job count).
 * Repeating one is a usage error, as is an empty cache folder, which would
 * otherwise resolve to the working directory itself.
 */
function checkSingleValued(argv: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(argv)) {
    // Long kebab-case names only: yargs also lists each option camel-cased and under its short alias.
    if (key.length < 2 || /[A-Z]/.test(key) || key === '$0' || REPEATABLE.has(key) || !Array.isArray(value)) continue;
    throw repeated(key, value);
  }
  if (argv['cache-dir'] === '') throw new UsageError('--cache-dir is empty; name a folder');
  if (argv['cache-dir'] === undefined && process.env.ABLATE_CACHE_DIR === '')
    throw new UsageError('ABLATE_CACHE_DIR is set but empty; name a folder or unset it');
}

let unfinished = 0;
let guarded = false;

/**
 * A command still awaiting when the event loop runs dry waited on something
 * that can never happen; Node would exit 0 without a word, which must not
 * pass for success.
 */
function guardUnfinished(): void {
  if (guarded) return;
  guarded = true;
  process.once('exit', () => {
    if (unfinished === 0 || process.exitCode !== undefined) return;
    process.stderr.write(
      'internal error: ablate stopped before its command finished (it waited on an event that can never come)\n',
    );
    process.exitCode = EXIT.environment;
  });
}

function report(e: unknown): number {
  // yargs rethrows an error of an option's `coerce` (see `whole`) as its own YError, keeping only the message.
  if (e instanceof Error && e.name === 'YError') return report(new UsageError(e.message));
  if (e instanceof CacheDamagedError) {
    process.stderr.write(
      `error: ${e.message}\n  run "ablate doctor --rebuild" to move it aside and start a fresh one (artifacts are kept, so cells re-run quickly)\n`,
    );
    return e.exitCode;
  }
  if (e instanceof CacheUnavailableError) {
    process.stderr.write(`error: ${e.message}\n`);
    return e.exitCode;
  }
  if (e instanceof CommandError) {
    process.stderr.write(`${e.message}\n`);
    return e.exitCode;
  }
  if (isLmdbError(e)) {
    process.stderr.write(
      `the cache database could not be used: ${e.message}\n  run "ablate doctor --rebuild" to move it aside and start a fresh one (artifacts are kept)\n`,
    );
    return EXIT.environment;
  }
  const err = e as NodeJS.ErrnoException;
  if (err.code === 'EACCES' || err.code === 'EROFS' || err.code === 'ENOSPC') {
    process.stderr.write(`cannot write: ${err.message}\n`);
    return EXIT.environment;
  }
  process.stderr.write(`internal error: ${err.stack ?? String(err)}\n`);
  return EXIT.environment;
}
