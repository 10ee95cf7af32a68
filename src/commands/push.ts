import { transferCommand, type TransferOptions } from './transfer.js';

/** `ablate push PIPELINE...`: exits 4 when some cell could not be uploaded. */
export function pushCommand(o: TransferOptions): Promise<number> {
  return transferCommand('push', o);
}
