// The `pinning:` section of the gateway file and a server's `tools.pin` and `tools.hiddenText`: defaults, and errors
// that name the path and the fix.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';

const SERVER = 'servers:\n  up: { command: node, tools: { pin: false } }\n';
const parse = (pinning: string) => parseConfig(`servers: {}\npinning:${pinning}\n`, { format: 'yaml' });
const issues = (yaml: string) => rejection(() => parseConfig(yaml, { format: 'yaml' }));

describe('pinning config', () => {
  it('is off when absent; {} or true pins into mcplex-pins.json and holds changes', () => {
    expect(parseConfig('servers: {}\n', { format: 'yaml' }).pinning).toBeUndefined();
    expect(parse(' {}').pinning).toEqual({ file: 'mcplex-pins.json', onChange: 'hold' });
    expect(parse(' true').pinning).toEqual({ file: 'mcplex-pins.json', onChange: 'hold' });
    expect(parse('\n  file: /var/lib/mcplex/pins.json\n  onChange: warn').pinning).toEqual({ file: '/var/lib/mcplex/pins.json', onChange: 'warn' });
  });

  it("reads a server's tools.pin: false (and true, the default)", () => {
    expect(parseConfig(SERVER, { format: 'yaml' }).servers.up!.tools).toMatchObject({ pin: false });
    expect(parseConfig('servers:\n  up: { command: node, tools: { pin: true } }\n', { format: 'yaml' }).servers.up!.tools.pin).toBeUndefined();
  });

  it("reads a server's tools.hiddenText (absent: strip, the gateway's default) and names the choices", () => {
    expect(parseConfig('servers:\n  up: { command: node, tools: { hiddenText: withhold } }\n', { format: 'yaml' }).servers.up!.tools.hiddenText).toBe('withhold');
    expect(parseConfig('servers:\n  up: { command: node }\n', { format: 'yaml' }).servers.up!.tools.hiddenText).toBeUndefined();
    expect(issues('servers:\n  up: { command: node, tools: { hiddenText: remove } }\n')).toEqual(['servers.up.tools.hiddenText: expected strip, withhold or allow']);
  });

  it('names the key and the fix', () => {
    expect(issues('servers: {}\npinning:\n  onChange: block\n')).toEqual(['pinning.onChange: expected one of hold, warn']);
    expect(issues('servers: {}\npinning:\n  file: ""\n')).toEqual([expect.stringMatching(/^pinning\.file: expected a file path/)]);
    expect(issues('servers: {}\npinning:\n  onchange: warn\n')).toEqual(["pinning.onchange: unknown key (did you mean 'onChange'?)"]);
    expect(issues('servers:\n  up: { command: node, tools: { pin: never } }\n')).toEqual([expect.stringMatching(/^servers\.up\.tools\.pin: expected true or false/)]);
  });
});
