// The GroupWatchdog from a real owner process: when the owner is SIGKILLed, every group it still watches dies and
// the watchdog exits; an unwatched group is left alone; a watchdog killed meanwhile is replaced with all groups.
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, killStarted, spawnTs, track, waitForExit, waitForLine, waitGone } from '../helpers/process.js';

afterEach(killStarted);

const OWNER = fileURLToPath(new URL('./fixtures/watchdog-owner.ts', import.meta.url));

function startOwner() {
  const owner = spawnTs(OWNER);
  /** Sends one command and returns the number on the answer line starting with `answer`. */
  const ask = async (command: string, answer: string): Promise<number> => {
    const line = waitForLine(owner.child.stdout!, (l) => l.startsWith(`${answer} `), 20_000);
    owner.child.stdin!.write(`${command}\n`);
    const pid = Number((await line).slice(answer.length + 1));
    track(pid);
    return pid;
  };
  return { ...owner, ask };
}

describe('GroupWatchdog', () => {
  it('kills the watched groups when its owner dies by SIGKILL, spares unwatched ones, and exits', async () => {
    const owner = startOwner();
    const kept = await owner.ask('watch', 'GROUP');
    const released = await owner.ask('watch', 'GROUP');
    const first = await owner.ask('watchdog', 'WATCHDOG');

    // A watchdog killed while its owner lives is replaced at the next registration, which hands over every group.
    process.kill(first, 'SIGKILL');
    await waitGone(first);
    const late = await owner.ask('watch', 'GROUP');
    const second = await owner.ask('watchdog', 'WATCHDOG');
    expect(second).not.toBe(first);
    await owner.ask(`unwatch ${released}`, 'UNWATCHED');
    expect([kept, released, late, second].every(isAlive)).toBe(true);

    owner.child.kill('SIGKILL');
    expect(await waitForExit(owner.child, 10_000)).toEqual({ code: null, signal: 'SIGKILL' });
    await waitGone([kept, late, second], 10_000);
    // The watchdog has exited, so it is done: the group it was told to forget is still there.
    expect(isAlive(released)).toBe(true);
    process.kill(-released, 'SIGKILL');
  });
});
