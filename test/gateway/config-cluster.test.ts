// The `cluster:` section of the gateway file: a Redis URL (short or long form) and an optional advertised origin;
// errors name the path and the fix.
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/index.js';
import { rejection } from '../helpers/config.js';

const parse = (cluster: string) => parseConfig(`servers: {}\ncluster:${cluster}\n`, { format: 'yaml' });
const issues = (cluster: string) => rejection(() => parse(cluster));

describe('cluster config', () => {
  it('absent means one gateway alone; a Redis URL alone shares sessions under the default prefix', () => {
    expect(parseConfig('servers: {}\n', { format: 'yaml' }).cluster).toBeUndefined();
    expect(parse('\n  redis: redis://10.0.0.9:6379').cluster).toEqual({ redis: { url: 'redis://10.0.0.9:6379', keyPrefix: 'mcplex:session:' } });
    expect(parse('\n  redis: { url: "rediss://r:6380", keyPrefix: "gw1:" }\n  advertise: http://10.0.0.5:7333/').cluster).toEqual({
      redis: { url: 'rediss://r:6380', keyPrefix: 'gw1:' },
      advertise: 'http://10.0.0.5:7333',
    });
  });

  it('names the key and the fix', () => {
    expect(issues('\n  redis: localhost:6379')).toEqual([expect.stringMatching(/^cluster\.redis\.url: expected a redis:\/\/ or rediss:\/\/ URL/)]);
    expect(issues('\n  redis: redis://r:6379\n  advertise: http://10.0.0.5:7333/mcp')).toEqual([expect.stringMatching(/^cluster\.advertise: expected an http\(s\) origin .* \(no path\)/)]);
    expect(issues('\n  redis: redis://r:6379\n  advertize: http://x')).toEqual(["cluster.advertize: unknown key (did you mean 'advertise'?)"]);
    expect(issues(' {}')).toEqual([expect.stringMatching(/^cluster\.redis: /)]);
  });
});
