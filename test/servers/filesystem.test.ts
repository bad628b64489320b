// The filesystem reference server through the official SDK client, in both eras: sandbox escapes (`..`, absolute
// paths, symlinks, prefix siblings, Unicode forms), the tools, read-only mode, resources and subscriptions.
import { existsSync, lstatSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectInMemory, silentLogger } from '../../src/index.js';
import { createFilesystemServer } from '../../src/servers/filesystem/index.js';
import { type FsFixture, makeFsFixture } from './fs-fixture.js';

type Result = { content: Array<{ type: string; text?: string; resource?: { blob?: string; mimeType?: string } }>; isError?: boolean; structuredContent?: Record<string, unknown> };
const text = (r: Result) => r.content.map((c) => c.text ?? '').join('');

let fx: FsFixture;
beforeAll(() => {
  fx = makeFsFixture();
});
afterAll(() => fx.cleanup());

describe.each(['legacy', 'modern'] as const)('filesystem server (%s era)', (era) => {
  let client: Client;
  const call = async (name: string, args: Record<string, unknown>) => (await client.callTool({ name, arguments: args })) as Result;
  beforeAll(async () => {
    client = await connectInMemory(createFilesystemServer({ roots: [fx.root], readOnly: false }, { logger: silentLogger }), { era });
  });
  afterAll(() => client.close());

  it('reads text, byte ranges and binary files', async () => {
    expect(text(await call('read_file', { path: 'hello.txt' }))).toBe('hello world\nsecond line\n');
    expect(text(await call('read_file', { path: join(fx.root, 'hello.txt'), offset: 6, length: 5 }))).toBe('world');
    const bin = await call('read_file', { path: 'blob.bin' });
    expect(bin.content[0]?.type).toBe('resource');
    expect(Buffer.from(bin.content[0]!.resource!.blob!, 'base64')).toEqual(Buffer.from([0, 1, 2, 3, 255, 254]));
  });

  it.each([
    ['../secret.txt', 'outside'],
    ['docs/../../secret.txt', 'outside'],
    ['/etc/passwd', 'outside'],
    ['../root-evil/x.txt', 'outside'],
    ['link-out.txt', 'symbolic link'],
    ['dir-out/secret.txt', 'symbolic link'],
    ['hello.txt\u0000', 'NUL'],
  ])('refuses %s', async (path, why) => {
    const r = await call('read_file', { path });
    expect(r.isError).toBe(true);
    expect(text(r)).toContain(why);
    expect(text(r)).not.toContain('TOP SECRET');
  });

  it('follows links that stay inside, and finds NFC names given in NFD', async () => {
    expect(text(await call('read_file', { path: 'link-in.txt' }))).toContain('hello world');
    expect(text(await call('read_file', { path: 'cafe\u0301.txt' }))).toBe('composed name\n');
  });

  it('refuses writes that escape through a link, and leaves the target alone', async () => {
    const r = await call('write_file', { path: 'link-out.txt', content: 'pwned' });
    expect(r.isError).toBe(true);
    expect(readFileSync(fx.secret, 'utf8')).toBe('TOP SECRET');
    const r2 = await call('write_file', { path: 'dir-out/new.txt', content: 'pwned' });
    expect(r2.isError).toBe(true);
    expect(existsSync(join(fx.base, 'new.txt'))).toBe(false);
  });

  it('lists, trees and searches within limits', async () => {
    const list = await call('list_directory', { path: '.' });
    const names = (list.structuredContent!.entries as Array<{ name: string }>).map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['hello.txt', 'docs', 'blob.bin']));
    expect(text(await call('directory_tree', { path: '.', depth: 3 }))).toContain('    notes.md');
    const found = await call('search_files', { path: '.', pattern: '**/*.md', contains: 'NEEDLE' });
    expect((found.structuredContent!.matches as Array<{ path: string; line: number }>).map((m) => [m.path.endsWith('guide.md') || m.path.endsWith('notes.md'), m.line])).toEqual([
      [true, 2],
      [true, 2],
    ]);
    const limited = await call('search_files', { path: '.', pattern: '**', maxResults: 2 });
    expect(limited.structuredContent).toMatchObject({ truncated: true });
    const info = await call('get_file_info', { path: 'hello.txt' });
    expect(info.structuredContent).toMatchObject({ type: 'file', size: 24 });
  });

  it('writes atomically, create-only, edits with a diff preview, moves and makes directories', async () => {
    const name = `w-${era}.txt`;
    expect((await call('write_file', { path: name, content: 'one\ntwo\nthree\n', createOnly: true })).isError).toBeFalsy();
    const again = await call('write_file', { path: name, content: 'x', createOnly: true });
    expect(again.isError).toBe(true);
    expect(text(again)).toContain('already exists');
    const preview = await call('edit_file', { path: name, edits: [{ oldText: 'two', newText: 'TWO' }], dryRun: true });
    expect(text(preview)).toContain('-two\n+TWO');
    expect(readFileSync(join(fx.root, name), 'utf8')).toBe('one\ntwo\nthree\n');
    await call('edit_file', { path: name, edits: [{ oldText: 'two', newText: 'TWO' }] });
    expect(readFileSync(join(fx.root, name), 'utf8')).toBe('one\nTWO\nthree\n');
    const ambiguous = await call('edit_file', { path: name, edits: [{ oldText: 'e', newText: 'E' }] });
    expect(text(ambiguous)).toContain('more than once');
    expect(readdirSync(fx.root).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    await call('create_directory', { path: `made-${era}/a/b` });
    await call('move_file', { source: name, destination: `made-${era}/a/b/${name}` });
    expect(readFileSync(join(fx.root, `made-${era}`, 'a', 'b', name), 'utf8')).toContain('TWO');
    // A link is moved as a link: its target stays where it is.
    writeFileSync(join(fx.root, `target-${era}.txt`), 'target');
    symlinkSync(join(fx.root, `target-${era}.txt`), join(fx.root, `link-${era}.txt`));
    await call('move_file', { source: `link-${era}.txt`, destination: `made-${era}/link.txt` });
    expect(lstatSync(join(fx.root, `made-${era}`, 'link.txt')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(fx.root, `target-${era}.txt`), 'utf8')).toBe('target');
    const missing = await call('read_file', { path: 'no-such.txt' });
    expect(missing.isError).toBe(true);
    expect(text(missing)).toContain('no such file');
  });

  it('annotates tools and serves file:// resources', async () => {
    const { tools } = await client.listTools();
    const byName = Object.fromEntries(tools.map((t) => [t.name, t.annotations]));
    expect(byName.read_file).toMatchObject({ readOnlyHint: true });
    expect(byName.write_file).toMatchObject({ destructiveHint: true, readOnlyHint: false });
    expect(byName.create_directory).toMatchObject({ destructiveHint: false, idempotentHint: true });
    const { resourceTemplates } = await client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toContain('file://{+path}');
    const uri = pathToFileURL(join(fx.root, 'docs', 'guide.md')).href;
    const read = await client.readResource({ uri });
    expect((read.contents[0] as { text: string }).text).toContain('# Guide');
    await expect(client.readResource({ uri: pathToFileURL(fx.secret).href })).rejects.toThrow(/outside/);
  });
});

describe('filesystem server options', () => {
  it('registers no write tools unless readOnly is false', async () => {
    const client = await connectInMemory(createFilesystemServer({ roots: [fx.root] }, { logger: silentLogger }));
    const names = (await client.listTools()).tools.map((t) => t.name).sort();
    expect(names).toEqual(['directory_tree', 'get_file_info', 'list_allowed_roots', 'list_directory', 'read_file', 'search_files']);
    await client.close();
  });

  it('refuses reads over the size limit without a range', async () => {
    const client = await connectInMemory(createFilesystemServer({ roots: [fx.root], maxReadBytes: 8 }, { logger: silentLogger }));
    const r = (await client.callTool({ name: 'read_file', arguments: { path: 'hello.txt' } })) as Result;
    expect(text(r)).toContain('over the 8-byte read limit');
    await client.close();
  });

  it('narrows to the MCP roots a 2025-era client declares', async () => {
    const server = createFilesystemServer({ roots: [fx.root] }, { logger: silentLogger });
    const client = await connectInMemory(server, { capabilities: { roots: {} } });
    client.setRequestHandler('roots/list', async () => ({ roots: [{ uri: pathToFileURL(join(fx.root, 'docs')).href }] }));
    const inside = (await client.callTool({ name: 'read_file', arguments: { path: 'guide.md' } })) as Result;
    expect(text(inside)).toContain('# Guide');
    const outside = (await client.callTool({ name: 'read_file', arguments: { path: join(fx.root, 'hello.txt') } })) as Result;
    expect(outside.isError).toBe(true);
    await client.close();
  });

  it('tells a subscriber when a watched file changes on disk', async () => {
    const client = await connectInMemory(createFilesystemServer({ roots: [fx.root] }, { logger: silentLogger }));
    const file = join(fx.root, 'watched.txt');
    writeFileSync(file, 'v1');
    const uri = pathToFileURL(file).href;
    const updated = new Promise<string>((resolve) => {
      client.setNotificationHandler('notifications/resources/updated', (n) => resolve(n.params.uri));
    });
    await client.subscribeResource({ uri });
    writeFileSync(file, 'v2');
    expect(await updated).toBe(uri);
    await client.close();
  });
});
