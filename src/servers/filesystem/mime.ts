// Guesses a file's MIME type from its extension, and whether bytes are text, for read_file and file:// resources.
import { extname } from 'node:path';

const TYPES: Record<string, string> = {
  '.txt': 'text/plain', '.md': 'text/markdown', '.csv': 'text/csv', '.json': 'application/json', '.yaml': 'application/yaml',
  '.yml': 'application/yaml', '.xml': 'application/xml', '.html': 'text/html', '.css': 'text/css', '.js': 'text/javascript',
  '.ts': 'text/typescript', '.py': 'text/x-python', '.sql': 'application/sql', '.svg': 'image/svg+xml', '.png': 'image/png',
  '.jpg': 'image/jpeg', '.jpeg': 'image/jpeg', '.gif': 'image/gif', '.webp': 'image/webp', '.pdf': 'application/pdf',
  '.zip': 'application/zip', '.gz': 'application/gzip', '.wav': 'audio/wav', '.mp3': 'audio/mpeg',
};

export function mimeOf(path: string): string | undefined {
  return TYPES[extname(path).toLowerCase()];
}

/** Text when it has no NUL byte and decodes as UTF-8 (the first 8 KiB decide). */
export function looksLikeText(bytes: Uint8Array): boolean {
  const head = bytes.subarray(0, 8192);
  if (head.includes(0)) return false;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.length < bytes.length ? head.subarray(0, lastCharStart(head)) : head);
    return true;
  } catch {
    return false;
  }
}

/** Cuts before a multi-byte character that the 8 KiB window may have split. */
function lastCharStart(b: Uint8Array): number {
  let i = b.length;
  while (i > 0 && i > b.length - 4 && (b[i - 1]! & 0xc0) === 0x80) i--;
  return i > 0 && b[i - 1]! >= 0xc0 ? i - 1 : b.length;
}
