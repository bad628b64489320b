// `--secrets <dir>`: a directory of one file per variable, as Docker (/run/secrets) and a Kubernetes Secret volume lay
// secrets out, read into the config's `${VAR}` values beside dotenv files; the environment still wins.
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { configEnv } from '../../src/cli/config-file.js';
import { ExitError } from '../../src/cli/exit-error.js';

const root = mkdtempSync(join(tmpdir(), 'mcplex-secrets-dir-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

it('reads each file as one variable: named by the file (- and . made _), without its trailing line break', () => {
  const dir = join(root, 'docker');
  mkdirSync(join(dir, 'nested'), { recursive: true });
  writeFileSync(join(dir, 'GITHUB_TOKEN'), 'ghp_one\n');
  writeFileSync(join(dir, 'db-password'), 'p@ss word\r\n');
  writeFileSync(join(dir, 'tls.key'), '-----BEGIN KEY-----\nabc\n-----END KEY-----\n');
  writeFileSync(join(dir, '.hidden'), 'not a variable');
  writeFileSync(join(dir, 'nested', 'X'), 'not read: in a directory');
  writeFileSync(join(dir, '2fa'), 'not a variable name');
  const env = configEnv([dir])!;
  expect(env.GITHUB_TOKEN).toBe('ghp_one');
  expect(env.db_password).toBe('p@ss word');
  expect(env.tls_key).toBe('-----BEGIN KEY-----\nabc\n-----END KEY-----');
  for (const name of ['.hidden', '_hidden', 'nested', 'X', '2fa']) expect(env[name]).toBeUndefined();
});

it('reads a Kubernetes Secret volume through its ..data links; a later --secrets wins, the environment over all', () => {
  const volume = join(root, 'k8s');
  mkdirSync(join(volume, '..2026_12_07_01'), { recursive: true });
  writeFileSync(join(volume, '..2026_12_07_01', 'API_KEY'), 'from-volume');
  writeFileSync(join(volume, '..2026_12_07_01', 'SHARED'), 'from-volume');
  symlinkSync('..2026_12_07_01', join(volume, '..data_tmp'));
  renameSync(join(volume, '..data_tmp'), join(volume, '..data'));
  for (const key of ['API_KEY', 'SHARED']) symlinkSync(`..data/${key}`, join(volume, key));
  const dotenv = join(root, 'later.env');
  writeFileSync(dotenv, 'SHARED=from-dotenv\n', { mode: 0o600 });
  const env = configEnv([volume, dotenv])!;
  expect(env).toMatchObject({ API_KEY: 'from-volume', SHARED: 'from-dotenv' });
  for (const name of ['..data', '__data', '__2026_12_07_01']) expect(env[name]).toBeUndefined();
  process.env.API_KEY = 'from-environment';
  try {
    expect(configEnv([volume])!.API_KEY).toBe('from-environment');
  } finally {
    delete process.env.API_KEY;
  }
});

it('warns of two files that are one variable, and reads the later', () => {
  const dir = join(root, 'twice');
  mkdirSync(dir);
  writeFileSync(join(dir, 'api-key'), 'dashed');
  writeFileSync(join(dir, 'api_key'), 'underscored');
  const warned: string[] = [];
  const write = process.stderr.write;
  process.stderr.write = ((text: string) => warned.push(text) > 0) as typeof process.stderr.write;
  try {
    expect(configEnv([dir])!.api_key).toBe('underscored');
  } finally {
    process.stderr.write = write;
  }
  expect(warned).toEqual([`mcplex: warning: --secrets ${dir}: api-key and api_key are both the variable api_key; api_key is read\n`]);
});

it('says which --secrets cannot be read, and what to give', () => {
  const missing = join(root, 'nope');
  expect(() => configEnv([missing])).toThrow(ExitError);
  expect(() => configEnv([missing])).toThrow(`--secrets ${missing}: cannot read it (ENOENT); give a file of NAME=value lines, or a directory of one file per variable`);
});
