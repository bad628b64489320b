// Test certificates made with the openssl CLI in a temporary directory: a CA, a server certificate for
// 127.0.0.1, client certificates it signed, and one from a CA the server does not trust.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
}

export interface TestPki {
  dir: string;
  ca: Pem;
  server: Pem;
  client(name: string): Pem;
  rogue: Pem;
  cleanup(): void;
}

export function makePki(clients: Array<{ name: string; cn?: string; san?: string }>): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'mcplex-mtls-'));
  const ssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  const key = (name: string) => ssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.key`);
  const ca = (name: string) => {
    key(name);
    ssl('req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${name}`, '-days', '2', '-out', `${name}.crt`);
  };
  const leaf = (name: string, signer: string, subject: string, san: string | undefined, usage: string) => {
    key(name);
    ssl('req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`);
    writeFileSync(join(dir, `${name}.ext`), `extendedKeyUsage=${usage}\n${san ? `subjectAltName=${san}\n` : ''}`);
    ssl('x509', '-req', '-in', `${name}.csr`, '-CA', `${signer}.crt`, '-CAkey', `${signer}.key`, '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`);
  };
  const pem = (name: string): Pem => ({ cert: readFileSync(join(dir, `${name}.crt`), 'utf8'), key: readFileSync(join(dir, `${name}.key`), 'utf8') });
  ca('test-ca');
  ca('rogue-ca');
  leaf('server', 'test-ca', '/CN=127.0.0.1', 'IP:127.0.0.1', 'serverAuth');
  for (const c of clients) leaf(c.name, 'test-ca', c.cn ? `/CN=${c.cn}` : '/O=no-cn', c.san, 'clientAuth');
  leaf('rogue', 'rogue-ca', '/CN=client-a', undefined, 'clientAuth');
  return {
    dir,
    ca: pem('test-ca'),
    server: pem('server'),
    client: pem,
    rogue: pem('rogue'),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
