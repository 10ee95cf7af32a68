/**
 * GPU device indices available to cells: ABLATE_GPUS if set ("0,1", or ""
 * for none), else what nvidia-smi lists, else none.
 */
export async function detectGpus(): Promise<number[]> {
  const env = process.env.ABLATE_GPUS;
  if (env !== undefined) return env.trim() === '' ? [] : env.split(',').map(Number).filter(Number.isInteger);
  const { execa } = await import('execa');
  const r = await execa('nvidia-smi', ['-L'], { reject: false, timeout: 5000 });
  if (r.exitCode !== 0) return [];
  return r.stdout
    .split('\n')
    .filter((l) => l.startsWith('GPU '))
    .map((_, i) => i);
}
