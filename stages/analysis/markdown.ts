/** ReportDocument to GitHub-flavoured Markdown; figures link to plots/*.svg. */
import type { Block, ReportDocument, Table } from './document.js';
import { unreachable } from '../../src/util/unreachable.js';

export function toMarkdown(doc: ReportDocument): string {
  const out: string[] = [`# ${doc.title}`, '', doc.subtitle, ''];
  for (const s of doc.sections) {
    out.push(`## ${s.title}`, '');
    for (const b of s.blocks) out.push(...block(b), '');
  }
  return out.join('\n').replace(/\n{3,}/g, '\n\n');
}

function block(b: Block): string[] {
  switch (b.kind) {
    case 'text':
      return [b.text];
    case 'list':
      return b.items.map((i) => `- ${i}`);
    case 'findings': {
      const lines: string[] = [];
      let section = '';
      for (const f of b.findings) {
        if (f.section !== section) lines.push('', `**${f.section}**`, '');
        section = f.section;
        lines.push(
          `- ${f.undecided ? `❔ **${f.undecided}**` : f.holds ? '✅ **yes**' : '❌ **no**'}: ${f.claim} (${f.evidence})`,
        );
      }
      return lines;
    }
    case 'figures':
      return b.figures.flatMap((f) => [`![${escapeAlt(f.caption)}](plots/${f.file})`, '', `*${f.caption}*`, '']);
    case 'table':
      return [
        ...(b.caption ? [`*${b.caption}*`, ''] : []),
        ...table(b.table),
        ...(b.table.name ? ['', downloads(b.table.name)] : []),
      ];
    default:
      return unreachable(b);
  }
}

function table(t: Table): string[] {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const align = t.columns.map((_, i) => (t.numeric?.[i] ? '---:' : '---'));
  return [
    `| ${t.columns.map(cell).join(' | ')} |`,
    `| ${align.join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(cell).join(' | ')} |`),
  ];
}

/** Links to the same table as CSV and LaTeX, written beside the report. */
export const downloads = (name: string): string => `Also as [CSV](tables/${name}.csv) and [LaTeX](tables/${name}.tex).`;

const escapeAlt = (s: string): string => s.replace(/[[\]]/g, '');
