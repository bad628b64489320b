// `roots:` in the gateway config: what the gateway answers an upstream's roots/list outside any call.
import { expect, it } from 'vitest';
import { parseConfig } from '../../src/gateway/config/index.js';

it('accepts file:// roots with optional names, and none by default', () => {
  const config = parseConfig('roots:\n  - { uri: "file:///srv/data", name: data }\n  - uri: file:///tmp\nservers: {}\n', { format: 'yaml' });
  expect(config.roots).toEqual([{ uri: 'file:///srv/data', name: 'data' }, { uri: 'file:///tmp' }]);
  expect(parseConfig('servers: {}\n', { format: 'yaml' }).roots).toBeUndefined();
});

it('refuses a root that is not a file:// URI, naming its path', () => {
  expect(() => parseConfig('roots:\n  - uri: https://example.com\nservers: {}\n', { format: 'yaml' })).toThrow(/roots\[0\]\.uri: expected a file:\/\/ URI/);
  expect(() => parseConfig('roots:\n  - uri: file:///x\n    nmae: x\nservers: {}\n', { format: 'yaml' })).toThrow(/roots\[0\]\.nmae: unknown key/);
});
