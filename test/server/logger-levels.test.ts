// Log levels of a running logger (a config reload): the root's level reaches every child, a module's level its
// children (requests, upstream), and a module whose level is dropped follows the root again.
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, setLogLevels } from '../../src/server/logger.js';
import { silentLogger } from '../../src/core/index.js';

function capture(settings: Parameters<typeof createLogger>[1]) {
  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('test', settings, { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) });
  /** Logs one line at `level` from each logger and says which got through. */
  const probe = (loggers: Record<string, typeof log>, level: 'debug' | 'info' | 'warn') => {
    lines.length = 0;
    for (const [name, l] of Object.entries(loggers)) l[level]({ who: name }, 'probe');
    return lines.map((l) => l.who);
  };
  return { log, probe };
}

const saved = process.env.MCPLEX_LOG_LEVEL;
afterEach(() => {
  if (saved === undefined) delete process.env.MCPLEX_LOG_LEVEL;
  else process.env.MCPLEX_LOG_LEVEL = saved;
});

describe('setLogLevels', () => {
  it('changes the root, plain children, module children and upstream children of a running logger', () => {
    delete process.env.MCPLEX_LOG_LEVEL;
    const { log, probe } = capture({ level: 'info', modules: { requests: 'warn' } });
    const loggers = { root: log, plain: log.child({ rid: 1 }), requests: log.child({ module: 'requests' }), upstream: log.child({ upstream: 'github' }) };
    expect(probe(loggers, 'info')).toEqual(['root', 'plain', 'upstream']);

    expect(setLogLevels(log, { level: 'debug', modules: { upstream: 'warn' } })).toBe(true);
    expect(probe(loggers, 'debug')).toEqual(['root', 'plain', 'requests']);
    // Children made after the change take the new levels too.
    const later = { requests2: log.child({ module: 'requests' }), upstream2: log.child({ upstream: 'slack' }), plain2: log.child({ rid: 2 }) };
    expect(probe(later, 'debug')).toEqual(['requests2', 'plain2']);

    setLogLevels(log, { level: 'warn', modules: {} });
    expect(probe({ ...loggers, ...later }, 'info')).toEqual([]);
    expect(probe({ ...loggers, ...later }, 'warn')).toEqual(['root', 'plain', 'requests', 'upstream', 'requests2', 'upstream2', 'plain2']);
  });

  it('leaves MCPLEX_LOG_LEVEL in charge of the level, and refuses loggers it did not make', () => {
    process.env.MCPLEX_LOG_LEVEL = 'error';
    const { log, probe } = capture({ level: 'info' });
    setLogLevels(log, { level: 'debug', modules: {} });
    expect(probe({ root: log }, 'warn')).toEqual([]);
    expect(setLogLevels(silentLogger, { level: 'debug' })).toBe(false);
  });
});
