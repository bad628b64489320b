// consoleToLogger: console.* become log lines of module `console` at the matching level (formatted as console would),
// and the console is put back as it was.
import { describe, expect, it } from 'vitest';
import { consoleToLogger } from '../../src/index.js';
import { capturingLogger } from '../helpers/logger.js';

describe('consoleToLogger', () => {
  it('logs console output at its level under module console, and restores the console', () => {
    const log = capturingLogger();
    const before = console.log;
    const restore = consoleToLogger(log);
    try {
      console.log('%d items in %s', 3, 'the cart');
      console.info({ a: 1 });
      console.debug('details');
      console.warn('careful');
      console.error(new Error('boom').message);
    } finally {
      restore();
    }
    expect(console.log).toBe(before);
    const seen = log.entries.map((e) => [e.level, e.bindings.module, e.msg ?? e.obj]);
    expect(seen).toEqual([
      ['info', 'console', '3 items in the cart'],
      ['info', 'console', '{ a: 1 }'],
      ['debug', 'console', 'details'],
      ['warn', 'console', 'careful'],
      ['error', 'console', 'boom'],
    ]);
  });
});
