// `mcplex keys new`: makes an API key, prints it once (it is stored nowhere) and the config snippet holding
// only its hash, to paste under `auth.apiKeys`.
import { stringify } from 'yaml';
import { newApiKey } from '../middleware/auth/index.js';

export interface NewKeyOptions {
  id: string;
  tenant?: string;
  /** Comma- or space-separated. */
  scopes?: string;
}

export function newKeyText(opts: NewKeyOptions): string {
  const { key, hash } = newApiKey();
  const scopes = opts.scopes?.split(/[\s,]+/).filter(Boolean) ?? [];
  const principal = { id: opts.id, ...(opts.tenant && { tenant: opts.tenant }), ...(scopes.length > 0 && { scopes }) };
  const snippet = stringify({ auth: { apiKeys: { [hash]: principal } } });
  return [
    `API key for '${opts.id}' (shown once; store it in a secret manager, mcplex keeps only its hash):`,
    '',
    `  ${key}`,
    '',
    'Clients send it as "Authorization: Bearer <key>" or "X-API-Key: <key>".',
    'Add this to the gateway config (merge into an existing auth.apiKeys):',
    '',
    snippet,
  ].join('\n');
}
