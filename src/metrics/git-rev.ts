import { realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { writeFile } from 'node:fs/promises';
import { UsageError } from '../exit.js';

/**
 * The text of a pipeline file at a git revision (`git show REV:path`, the
 * path taken relative to the repository holding the file), written beside
 * the file so that the paths it names resolve as they do for the file
 * itself. The caller removes it.
 */
export async function pipelineAtRevision(file: string, rev: string): Promise<string> {
  const { execa } = await import('execa');
  const path = realpathSync(resolve(file));
  const dir = dirname(path);
  const git = async (args: string[]): Promise<string> => {
    const r = await execa('git', args, { cwd: dir, reject: false, stripFinalNewline: false });
    if (r.exitCode !== 0) {
      const why = (r.stderr || r.stdout || (r as { shortMessage?: string }).shortMessage || '').trim().split('\n')[0];
      throw new UsageError(`--rev ${rev}: ${why || `git ${args[0]} failed`}`);
    }
    return r.stdout;
  };
  const top = realpathSync((await git(['rev-parse', '--show-toplevel'])).trim());
  const text = await git(['show', `${rev}:${relative(top, path).split('\\').join('/')}`]);
  const copy = join(dir, `.${basename(path, '.json')}.at-${rev.replace(/[^A-Za-z0-9_.-]/g, '_')}.${process.pid}.json`);
  await writeFile(copy, text);
  return copy;
}
