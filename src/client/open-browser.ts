// Opening a URL in the person's browser (a gateway on their desktop, run over stdio by an MCP host, when an upstream
// needs them to log in). The URL comes from an authorization server's metadata, so it is checked first (http or
// https only, passed re-serialized) and handed to the platform's opener as one argument, never through a shell: a
// URL that smuggles shell syntax stays a URL (mcp-remote's CVE-2025-6514 was `open` run through one).
import { spawn } from 'node:child_process';

/** The opener and its arguments on this platform (Windows: rundll32, which takes the URL as one argument). */
function opener(url: string): [string, string[]] {
  if (process.platform === 'darwin') return ['open', [url]];
  if (process.platform === 'win32') return ['rundll32', ['url.dll,FileProtocolHandler', url]];
  return ['xdg-open', [url]];
}

/**
 * Asks the desktop to open `url`; resolves to undefined once the opener started, or to why it could not (not an
 * http(s) URL, no opener installed). It does not wait for the browser.
 */
export function openInBrowser(url: string): Promise<string | undefined> {
  if (!URL.canParse(url)) return Promise.resolve('not a URL');
  const parsed = new URL(url);
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return Promise.resolve(`not an http(s) URL (${parsed.protocol})`);
  const [command, args] = opener(parsed.href);
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: 'ignore', detached: true, shell: false });
    child.once('error', (err) => resolve(`${command}: ${err.message}`));
    child.once('spawn', () => {
      child.unref();
      resolve(undefined);
    });
  });
}
