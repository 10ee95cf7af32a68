/** Language models by architecture: `buildLm(config)`. */
import { buildLmDecoder } from './decoder.js';
import { buildLmEncDec } from './encdec.js';
import { buildLmRecurrent } from './recurrent.js';
import { LM_ARCHS, LM_PES, type LmConfig, type LmModel } from './types.js';

export * from './types.js';

export function validateLmConfig(c: LmConfig): void {
  if (!(LM_ARCHS as readonly string[]).includes(c.arch))
    throw new Error(`Unknown arch '${c.arch}' (known: ${LM_ARCHS.join(', ')})`);
  if (!(LM_PES as readonly string[]).includes(c.pe))
    throw new Error(`Unknown pe '${c.pe}' (known: ${LM_PES.join(', ')})`);
  if (!Number.isInteger(c.vocab) || c.vocab < 2 || c.vocab > 128)
    throw new Error(`vocab must be an integer in 2..128, got ${c.vocab}`);
  for (const k of ['layers', 'dModel', 'heads', 'dFF', 'hidden', 'maxLen'] as const) {
    if (!Number.isInteger(c[k]) || c[k] < 1) throw new Error(`${k} must be a positive integer, got ${c[k]}`);
  }
}

export function buildLm(config: LmConfig): LmModel {
  validateLmConfig(config);
  switch (config.arch) {
    case 'decoder':
      return buildLmDecoder(config);
    case 'encdec':
      return buildLmEncDec(config);
    case 'lstm':
    case 'gru':
      return buildLmRecurrent(config);
  }
}
