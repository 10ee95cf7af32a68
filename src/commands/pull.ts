import { transferCommand, type TransferOptions } from './transfer.js';

/** `ablate pull PIPELINE...`: exits 4 when some cell could not be downloaded or was rejected. */
export function pullCommand(o: TransferOptions): Promise<number> {
  return transferCommand('pull', o);
}
