// What a reload applies only at the next start (restartOnlyChanges) is listed section by section; a section added
// to the gateway file later must be looked at there too: this fails until it is.
import { describe, expect, it } from 'vitest';
import { restartOnlyChanges, SECTIONS } from '../../src/cli/restart-only.js';
import { configSchema } from '../../src/gateway/config/schema.js';
import { parseConfig } from '../../src/index.js';

describe('restart-only parts of the config', () => {
  it('every section of the gateway file has been looked at', () => {
    expect(new Set(Object.keys(configSchema.shape))).toEqual(new Set(SECTIONS));
  });

  it('names what waits for a restart, and nothing for what a reload applies', () => {
    const parse = (yaml: string) => parseConfig(`servers: {}\n${yaml}`, { format: 'yaml' });
    const started = parse('listen: { port: 7333 }\n');
    expect(restartOnlyChanges(started, parse('listen: { port: 7444 }\n'))).toEqual(['listen changed']);
    expect(restartOnlyChanges(started, parse('listen: { port: 7333 }\npolicy: { rateLimits: [{ per: [client], limit: 5, windowMs: 1000 }] }\naudit: { retention: 30d }\n'))).toEqual([]);
  });
});
