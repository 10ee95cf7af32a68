import type { TransferEvent, TransferOutcome } from '../execution/events.js';
import { duration } from './format.js';

const TAGS: Record<TransferOutcome, string> = {
  sent: 'sent    ',
  received: 'received',
  present: 'present ',
  absent: 'absent  ',
  'not-computed': 'not run ',
  rejected: 'REJECTED',
  failed: 'FAILED  ',
};

export function transferLine(e: Extract<TransferEvent, { type: 'transfer' }>): string {
  const size = e.bytes > 0 ? ` (${bytes(e.bytes)})` : '';
  return `${TAGS[e.outcome]} ${e.cell}${size}${e.message ? `: ${e.message}` : ''}`;
}

export function transferSummary(e: Extract<TransferEvent, { type: 'transfer-summary' }>): string {
  const c = e.counts;
  const moved = e.direction === 'push' ? `${c.sent} sent` : `${c.received} received`;
  const parts = [moved, `${c.present} already there`];
  if (c.absent > 0) parts.push(`${c.absent} not on the remote`);
  if (c['not-computed'] > 0) parts.push(`${c['not-computed']} not computed locally`);
  if (c.rejected > 0) parts.push(`${c.rejected} rejected`);
  if (c.failed > 0) parts.push(`${c.failed} failed`);
  const verb = e.direction === 'push' ? 'push to' : 'pull from';
  return `${verb} ${e.remote}: ${parts.join(', ')}; ${bytes(e.bytes)} in ${duration(e.durationMs)}`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v.toFixed(v < 10 ? 2 : 1)} ${units[i]}`;
}
