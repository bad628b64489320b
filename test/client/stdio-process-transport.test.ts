// StdioProcessTransport against a real child: the SDK Client works over it, stderr is logged, and
// close() leaves no process of the group behind, even with a SIGTERM-ignoring server and a grandchild.
import { Client } from '@modelcontextprotocol/client';
import { afterEach, describe, expect, it } from 'vitest';
import { StdioProcessTransport } from '../../src/client/stdio-process-transport.js';
import { silentLogger } from '../../src/core/logger.js';
import { isAlive, killStarted, track, waitGone, waitUntil } from '../helpers/process.js';
import { callText, capturingLogger, connectEcho, echoTransport } from './helpers.js';

afterEach(killStarted);

/** Counts onclose calls made by the transport itself (wrapping what the Client installed). */
function countCloses(transport: StdioProcessTransport): () => number {
  let n = 0;
  const installed = transport.onclose;
  transport.onclose = () => {
    n++;
    installed?.();
  };
  return () => n;
}

describe('StdioProcessTransport', () => {
  it('carries the official SDK Client: lists and calls tools', async () => {
    const transport = echoTransport(silentLogger);
    const { client } = await connectEcho(transport);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(expect.arrayContaining(['echo', 'crash', 'ignore_sigterm', 'spawn_grandchild']));
    expect(await callText(client, 'echo', { text: 'hi' })).toBe('echo: hi');
    expect(await callText(client, 'pid')).toBe(String(transport.pid));
    const closes = countCloses(transport);
    await client.close();
    expect(closes()).toBe(1);
    expect(transport.lastExit).toBeDefined();
    expect(isAlive(transport.pid!)).toBe(false);
  });

  it('logs every stderr line tagged with the server name', async () => {
    const log = capturingLogger();
    const transport = echoTransport(log, { name: 'chatty' });
    const { client } = await connectEcho(transport);
    await callText(client, 'stderr', { lines: ['first line', 'second line'] });
    const stderrLines = () => log.entries.filter((e) => e.msg === 'stderr' && e.bindings.upstream === 'chatty').map((e) => (e.obj as { line: string }).line);
    await waitUntil(() => stderrLines().includes('second line'), 5000, 'stderr lines in the log');
    expect(stderrLines()).toEqual(expect.arrayContaining(['first line', 'second line']));
    await client.close();
  });

  it('reports a non-JSON stdout line via onerror, skips it and keeps the connection', async () => {
    const transport = echoTransport(silentLogger);
    const { client } = await connectEcho(transport);
    const errors: Error[] = [];
    client.onerror = (err) => errors.push(err);
    expect(await callText(client, 'garbage')).toBe('still here');
    expect(errors.map((e) => e.message)).toEqual([expect.stringContaining('this is not json-rpc')]);
    expect(await callText(client, 'echo', { text: 'after' })).toBe('echo: after');
    await client.close();
  });

  it('fires onclose exactly once when the server crashes, and records the exit code', async () => {
    const transport = echoTransport(silentLogger);
    const { client, closed } = await connectEcho(transport);
    const closes = countCloses(transport);
    await expect(client.callTool({ name: 'crash', arguments: {} })).rejects.toThrow();
    await closed;
    expect(transport.lastExit).toEqual({ code: 3, signal: null });
    await transport.close(); // idempotent after the fact
    await client.close();
    expect(closes()).toBe(1);
    await expect(transport.send({ jsonrpc: '2.0', method: 'ping', id: 99 })).rejects.toThrow(/not connected/);
  });

  it('escalates to SIGKILL for a server that ignores SIGTERM, and no process of its group remains', async () => {
    const log = capturingLogger();
    const transport = echoTransport(log, { killTimeoutMs: 300 });
    const { client } = await connectEcho(transport);
    const pid = transport.pid!;
    const grandchild = Number(await callText(client, 'spawn_grandchild'));
    track(grandchild);
    expect(isAlive(grandchild)).toBe(true);
    expect(await callText(client, 'ignore_sigterm')).toBe('ignoring SIGTERM');
    const closes = countCloses(transport);

    const t0 = Date.now();
    await Promise.all([transport.close(), transport.close()]);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(550); // waited out stdin EOF and SIGTERM
    expect(transport.lastExit).toEqual({ code: null, signal: 'SIGKILL' });
    expect(closes()).toBe(1);
    expect(isAlive(pid)).toBe(false);
    await waitGone(grandchild);
    const steps = log.entries.filter((e) => e.level === 'warn').map((e) => (e.obj as { signal?: string }).signal);
    expect(steps).toEqual(['SIGTERM', 'SIGKILL']);
  });

  it('reaps a grandchild when the server exits on stdin EOF by itself', async () => {
    const transport = echoTransport(silentLogger, { killTimeoutMs: 5000 });
    const { client } = await connectEcho(transport);
    const grandchild = Number(await callText(client, 'spawn_grandchild'));
    track(grandchild);
    const t0 = Date.now();
    await transport.close();
    expect(Date.now() - t0).toBeLessThan(4000); // no signal step was needed
    expect(transport.lastExit?.signal).toBeNull();
    expect(isAlive(transport.pid!)).toBe(false);
    await waitGone(grandchild);
  });

  it('rejects start() with a clear message when the command does not exist', async () => {
    const transport = new StdioProcessTransport({ name: 'ghost', command: 'mcplex-no-such-command-4711' }, { log: silentLogger });
    let closes = 0;
    transport.onclose = () => closes++;
    await expect(transport.start()).rejects.toThrow("Cannot start upstream 'ghost': command 'mcplex-no-such-command-4711' not found (ENOENT)");
    await transport.close();
    expect(closes).toBe(1);
    expect(transport.pid).toBeUndefined();

    const viaClient = new StdioProcessTransport({ name: 'ghost', command: 'mcplex-no-such-command-4711' }, { log: silentLogger });
    await expect(new Client({ name: 't', version: '1' }).connect(viaClient)).rejects.toThrow(/not found \(ENOENT\)/);
  });

  it('names a missing working directory instead of blaming the command', async () => {
    const transport = new StdioProcessTransport({ name: 'lost', command: process.execPath, cwd: '/nonexistent/mcplex-dir' }, { log: silentLogger });
    await expect(transport.start()).rejects.toThrow("working directory '/nonexistent/mcplex-dir' does not exist");
  });

  it('close() before start() resolves and fires onclose once', async () => {
    const transport = echoTransport(silentLogger);
    let closes = 0;
    transport.onclose = () => closes++;
    await transport.close();
    await transport.close();
    expect(closes).toBe(1);
  });
});
