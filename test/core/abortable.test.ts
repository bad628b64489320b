// LazyAbort: a deadline's cancellation that makes an AbortSignal only when asked, and the timeout stage's deadline
// built on it (listeners hear a timeout and a caller's cancel; a signal read before or after follows them).
import { describe, expect, it } from 'vitest';
import { compose, DEADLINE, type Deadline, ErrorCode, LazyAbort, signalOf, WireError } from '../../src/core/index.js';
import { timeout } from '../../src/middleware/timeout.js';
import { makeCtx } from './helpers.js';

describe('LazyAbort', () => {
  it('runs each listener once with the reason set, skips removed ones, and makes its signal only when read', () => {
    const cancel = new LazyAbort();
    const heard: unknown[] = [];
    const gone = () => heard.push('removed');
    cancel.addEventListener('abort', () => heard.push(cancel.reason));
    cancel.addEventListener('abort', gone);
    cancel.removeEventListener('abort', gone);
    const early = cancel.signal;
    expect(early.aborted).toBe(false);
    cancel.abort('first');
    cancel.abort('second');
    expect(heard).toEqual(['first']);
    expect([cancel.aborted, early.aborted, early.reason]).toEqual([true, true, 'first']);
    // After the fact: a new listener is not called (as on an aborted signal), and the signal is already aborted.
    cancel.addEventListener('abort', () => heard.push('late'));
    expect(heard).toEqual(['first']);
    expect(signalOf(cancel)).toBe(early);
  });

  it('makes an aborted signal when read only after the abort, and passes a plain signal through', () => {
    const cancel = new LazyAbort();
    cancel.abort(new Error('gone'));
    expect(cancel.signal.aborted).toBe(true);
    expect((cancel.signal.reason as Error).message).toBe('gone');
    const plain = new AbortController().signal;
    expect(signalOf(plain)).toBe(plain);
  });
});

describe('the timeout stage deadline', () => {
  /** Runs the stage around `inner`, handing it the deadline. */
  const run = (timeoutMs: number, inner: (d: Deadline) => Promise<Record<string, unknown>>, signal?: AbortSignal) => {
    const ctx = { ...makeCtx({ target: 'slow' }), ...(signal && { signal }) };
    return compose([timeout({ timeoutMs: () => timeoutMs })], (c) => inner(c.state.get(DEADLINE)!))(ctx);
  };

  it('tells cancel listeners of the timeout, with the Timeout error as reason, without making a signal first', async () => {
    let deadline: Deadline | undefined;
    const heard = new Promise<unknown>((resolve) => {
      void run(30, (d) => {
        deadline = d;
        expect(d.cancel).toBeInstanceOf(LazyAbort);
        d.cancel.addEventListener('abort', () => resolve(d.cancel.reason));
        return new Promise(() => {});
      }).catch(() => {});
    });
    const reason = await heard;
    expect(reason).toBeInstanceOf(WireError);
    expect((reason as WireError).code).toBe(ErrorCode.Timeout);
    // Read afterwards, the signal says the same.
    expect(deadline!.signal.aborted).toBe(true);
    expect(deadline!.signal.reason).toBe(reason);
  });

  it("follows the caller's cancel, for listeners and for a signal read before it", async () => {
    const caller = new AbortController();
    let seen: AbortSignal | undefined;
    let heard: unknown;
    // The work ends when it hears the cancel, so the stage finishes (and clears its timer).
    await run(
      60_000,
      (d) => {
        seen = d.signal;
        const ended = new Promise<Record<string, unknown>>((resolve) =>
          d.cancel.addEventListener('abort', () => {
            heard = d.cancel.reason;
            resolve({});
          }),
        );
        queueMicrotask(() => caller.abort('client cancelled'));
        return ended;
      },
      caller.signal,
    );
    expect(heard).toBe('client cancelled');
    expect(seen!.reason).toBe('client cancelled');
  });
});
