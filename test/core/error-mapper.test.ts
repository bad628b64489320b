// mapError(): tool failures → isError results, wire errors keep their code, unexpected errors lose their
// message (a reference is given instead and the details go to the log only). Also the error brand helpers.
import { ProtocolError } from '@modelcontextprotocol/server';
import { describe, expect, it } from 'vitest';
import { asWireError, ErrorCode, isToolError, isWireError, mapError, ToolError, WireError } from '../../src/core/index.js';
import { recordingLogger } from './helpers.js';

const SECRET = 'postgres://admin:hunter2@db.internal/prod';

describe('mapError', () => {
  it('ToolError on tools/call → isError result carrying its message', () => {
    const log = recordingLogger();
    const outcome = mapError('tools/call', new ToolError('City not found: Atlantis'), log);
    expect(outcome).toEqual({ result: { content: [{ type: 'text', text: 'City not found: Atlantis' }], isError: true } });
    expect(log.errors).toEqual([]);
  });

  it('ToolError outside tools/call → InvalidParams wire error', () => {
    const outcome = mapError('prompts/get', new ToolError('bad arg'), recordingLogger());
    expect('error' in outcome && outcome.error.code).toBe(ErrorCode.InvalidParams);
    expect('error' in outcome && outcome.error.message).toBe('bad arg');
  });

  it('WireError keeps its code, message and data on every method', () => {
    for (const method of ['tools/call', 'resources/read']) {
      const err = new WireError(ErrorCode.Forbidden, 'Forbidden: tool admin.drop', { tool: 'admin.drop' });
      const outcome = mapError(method, err, recordingLogger());
      expect(outcome).toEqual({ error: err });
      if ('error' in outcome) {
        expect(outcome.error.code).toBe(-32011);
        expect(outcome.error.data).toEqual({ tool: 'admin.drop' });
      }
    }
  });

  it('plain Error on tools/call → generic isError result with a reference, never the original message', () => {
    const log = recordingLogger();
    const err = new Error(`connect failed: ${SECRET}`);
    const outcome = mapError('tools/call', err, log);
    expect('result' in outcome).toBe(true);
    const result = (outcome as { result: Record<string, unknown> }).result;
    expect(result.isError).toBe(true);
    const text = (result.content as Array<{ text: string }>)[0]!.text;
    expect(text).toMatch(/^Internal error \(reference [0-9a-f]{8}\); the server log has the details$/);
    const wire = JSON.stringify(outcome);
    expect(wire).not.toContain('hunter2');
    expect(wire).not.toContain(SECRET);
    expect(wire).not.toContain('connect failed');
    expect(wire).not.toContain('at '); // no stack frames
    // The details go to the log, under the same reference.
    const ref = /reference ([0-9a-f]{8})/.exec(text)![1];
    expect(log.errors).toHaveLength(1);
    // No method: the request's own logger names it (a field named twice is a line some log stores refuse).
    expect(log.errors[0]!.obj).toEqual({ err, ref });
  });

  it('plain Error elsewhere → InternalError wire error without the message or data', () => {
    const log = recordingLogger();
    const outcome = mapError('resources/read', Object.assign(new Error(SECRET), { data: SECRET }), log);
    expect('error' in outcome).toBe(true);
    const { error } = outcome as { error: WireError };
    expect(error.code).toBe(ErrorCode.InternalError);
    expect(error.message).toMatch(/^Internal error \(reference [0-9a-f]{8}\)/);
    expect(error.data).toBeUndefined();
    expect(JSON.stringify({ m: error.message, d: error.data })).not.toContain('hunter2');
  });

  it('each unexpected error gets its own reference', () => {
    const refs = new Set(
      Array.from({ length: 5 }, () => {
        const o = mapError('tools/list', new Error('x'), recordingLogger()) as { error: WireError };
        return /reference ([0-9a-f]{8})/.exec(o.error.message)![1];
      }),
    );
    expect(refs.size).toBe(5);
  });

  it('non-Error throwables (strings, objects) are treated as unexpected', () => {
    for (const thrown of [SECRET, { message: SECRET, code: -32000 }, undefined]) {
      const outcome = mapError('tools/list', thrown, recordingLogger()) as { error: WireError };
      expect(outcome.error.code).toBe(ErrorCode.InternalError);
      expect(outcome.error.message).not.toContain('hunter2');
    }
  });

  it("keeps the SDK's ProtocolError code, message and data", () => {
    const err = new ProtocolError(-32602, 'Unknown tool: nope', { tool: 'nope' });
    const outcome = mapError('tools/call', err, recordingLogger());
    expect('error' in outcome).toBe(true);
    const { error } = outcome as { error: WireError };
    expect(error).toBeInstanceOf(WireError);
    expect(error.code).toBe(-32602);
    expect(error.message).toBe('Unknown tool: nope');
    expect(error.data).toEqual({ tool: 'nope' });
  });

  it('an Error with a non-protocol numeric code (e.g. errno-like) is still unexpected', () => {
    const err = Object.assign(new Error(`EACCES ${SECRET}`), { code: 13 });
    const outcome = mapError('resources/read', err, recordingLogger()) as { error: WireError };
    expect(outcome.error.code).toBe(ErrorCode.InternalError);
    expect(outcome.error.message).not.toContain('hunter2');
  });
});

describe('error brands', () => {
  it('recognise errors by brand, including copies from another module instance', () => {
    const foreign = Object.assign(new Error('x'), { [Symbol.for('mcplex.error')]: 'tool' });
    expect(isToolError(foreign)).toBe(true);
    expect(isWireError(new ToolError('x'))).toBe(false);
    expect(isWireError(new WireError(1, 'x'))).toBe(true);
    expect(asWireError(new Error('x'))).toBeUndefined();
    expect(asWireError(Object.assign(new Error('x'), { code: -32768 }))?.code).toBe(-32768);
    expect(asWireError(Object.assign(new Error('x'), { code: -31999 }))).toBeUndefined();
  });
});
