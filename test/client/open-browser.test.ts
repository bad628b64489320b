// Opening an authorization URL in the desktop's browser: only http(s) URLs, handed to the platform's opener (here a
// stand-in `xdg-open` first on PATH that records its arguments) as one argument without a shell, so shell syntax in a
// URL stays text; no opener at all is reported, not thrown.
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openInBrowser } from '../../src/client/open-browser.js';
import { waitUntil } from '../helpers/process.js';

const dir = mkdtempSync(join(tmpdir(), 'mcplex-open-'));
const opened = join(dir, 'opened.txt');
const bin = join(dir, 'bin');
const { PATH } = process.env;
afterAll(() => {
  process.env.PATH = PATH;
  rmSync(dir, { recursive: true, force: true });
});

describe('openInBrowser', () => {
  it.skipIf(process.platform !== 'linux')('hands an http(s) URL to the opener as one argument, shell syntax and all; refuses other schemes', async () => {
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'xdg-open'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a" >> '${opened}'; done\n`);
    chmodSync(join(bin, 'xdg-open'), 0o755);
    process.env.PATH = `${bin}:${PATH}`;
    const pwned = join(dir, 'pwned');
    const url = `https://login.example.com/authorize?state=$(touch ${pwned})&x=\`id\`;echo`;
    expect(await openInBrowser(url)).toBeUndefined();
    // The file exists as soon as the opener opens it: wait for its line, written whole.
    await waitUntil(() => (existsSync(opened) && readFileSync(opened, 'utf8').endsWith('\n')) || undefined, 5000, 'the opener to run');
    expect(readFileSync(opened, 'utf8').split('\n').filter(Boolean)).toEqual([new URL(url).href]);
    expect(existsSync(pwned)).toBe(false);
    expect(await openInBrowser('file:///etc/passwd')).toBe('not an http(s) URL (file:)');
    expect(await openInBrowser('javascript:alert(1)')).toBe('not an http(s) URL (javascript:)');
    expect(await openInBrowser('not a url')).toBe('not a URL');
    // No opener installed: said so, not thrown.
    process.env.PATH = join(dir, 'empty');
    expect(await openInBrowser('https://login.example.com/authorize')).toMatch(/^xdg-open: spawn xdg-open ENOENT/);
    process.env.PATH = PATH;
  });
});
