/** Writes a built report into the cell's output folder: documents, plots with their specs, tables as CSV and LaTeX. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { toHtml } from '../../analysis/html.js';
import { toMarkdown } from '../../analysis/markdown.js';
import { toCsv, toLatex } from '../../analysis/table-formats.js';
import type { BuiltLmReport } from './build.js';

export async function writeLmReport(outDir: string, report: BuiltLmReport): Promise<void> {
  const root = outDir;
  const plots = join(root, 'plots');
  const tables = join(root, 'tables');
  await mkdir(plots, { recursive: true });
  await mkdir(tables, { recursive: true });
  for (const f of report.figures) await writeFile(join(plots, f.file), f.svg);
  for (const s of report.specs)
    await writeFile(join(plots, s.file.replace(/\.svg$/, '.vl.json')), JSON.stringify(s.spec, null, 2) + '\n');
  for (const section of report.doc.sections) {
    for (const block of section.blocks) {
      if (block.kind !== 'table' || block.table.name === undefined) continue;
      await writeFile(join(tables, `${block.table.name}.csv`), toCsv(block.table));
      await writeFile(join(tables, `${block.table.name}.tex`), toLatex(block.table, block.caption));
    }
  }
  await writeFile(join(root, 'report.md'), toMarkdown(report.doc));
  await writeFile(join(root, 'report.html'), toHtml(report.doc));
  await writeFile(join(root, 'report.json'), JSON.stringify(report.json, null, 2) + '\n');
}
