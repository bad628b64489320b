// The gateway config tests' one question: what a config is rejected with.
import { expect } from 'vitest';
import { ConfigInvalidError } from '../../src/gateway/config/index.js';

/** The issues `parse` is rejected with, one display line each; fails the test if it is accepted or throws anything else. */
export function rejection(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigInvalidError);
    return (err as ConfigInvalidError).issues;
  }
  throw new Error('expected the config to be rejected');
}
