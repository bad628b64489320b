// The gateway file's `pinning:` section: every upstream tool's definition is pinned the first time the gateway sees
// it, and a later change to it holds the tool until an administrator approves it (src/gateway/tool-pins.ts).
// Registered in schema.ts/validate.ts.
import { z } from 'zod';
import { unknownKeyMessage } from './hints.js';

export const PIN_CHANGE_MODES = ['hold', 'warn'] as const;

export interface PinningConfig {
  /** The JSON file the approved definitions are kept in (created when missing). */
  file: string;
  /** What a changed definition does: 'hold' (default) hides the tool until approved; 'warn' logs and serves it. */
  onChange: (typeof PIN_CHANGE_MODES)[number];
}

export const PINNING_DEFAULTS = { file: 'mcplex-pins.json', onChange: 'hold' } as const;

const shape = {
  file: z.string({ error: 'expected a file path (e.g. mcplex-pins.json)' }).min(1, { error: 'expected a file path (e.g. mcplex-pins.json)' }).optional(),
  onChange: z.enum(PIN_CHANGE_MODES, { error: `expected one of ${PIN_CHANGE_MODES.join(', ')}` }).optional(),
};

export const pinningSchema = z.preprocess(
  (v) => (v === null || v === true ? {} : v),
  z.strictObject(shape, {
    error: (iss) =>
      iss.code === 'unrecognized_keys' ? iss.keys.map((k) => unknownKeyMessage(k, Object.keys(shape))).join('\n') : 'expected a mapping with file and onChange (or {} for the defaults)',
  }),
);

export function buildPinning(raw: z.infer<typeof pinningSchema>): PinningConfig {
  return { file: raw.file ?? PINNING_DEFAULTS.file, onChange: raw.onChange ?? PINNING_DEFAULTS.onChange };
}
