// Which configuration a gateway runs, as operators ask after a deploy or a reload ("did it apply? do all replicas run
// the same?"): a version (a hash of the effective config, so replicas with the same file and environment agree), when
// it was applied, the last reloads (applied or rejected, and why), and the config itself with its secrets taken out.
// GET /admin/config answers it; each replica reports its version to the others (GET /admin/replicas).
import { canonicalJson, sha256 } from '../core/index.js';
import { isSecretName, REDACTED, redactArgv, redactText } from '../core/redact.js';
import { type HttpRoute, sendJson } from '../server/index.js';
import type { GatewayConfig } from './config/index.js';

/** Reloads remembered, newest first. */
const KEPT_RELOADS = 10;

/** The version of `config`: the first 12 hex digits of the SHA-256 of its canonical JSON (functions left out). */
export function configVersion(config: GatewayConfig): string {
  return sha256(canonicalJson(JSON.parse(JSON.stringify(config)))).slice(0, 12);
}

/** Config fields that hold a secret though their names do not say so (keys that seal or sign). */
const SECRET_FIELDS = new Set(['key', 'previousKeys', 'encryptionKey', 'previousEncryptionKeys', 'apiKeys']);
/** Mappings whose every value may be a credential: environment variables, HTTP headers. */
const SECRET_VALUES = new Set(['env', 'headers']);

/**
 * `config` fit to show an administrator: secrets (by field name, every value of `env` and `headers`, a command's
 * argument after a flag such as `--token`) replaced by [redacted], and every other text scrubbed as logs are (URL
 * user-info and query strings, inline credentials).
 */
export function redactedConfig(config: GatewayConfig): unknown {
  const walk = (value: unknown, hideAll: boolean): unknown => {
    if (value === null || value === undefined || typeof value === 'boolean' || typeof value === 'number') return value;
    if (typeof value === 'string') return hideAll ? REDACTED : redactText(value);
    if (typeof value === 'function') return undefined;
    if (Array.isArray(value)) return value.map((v) => walk(v, hideAll));
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        if (k === 'args' && !hideAll && Array.isArray(v) && v.every((a) => typeof a === 'string')) return [k, redactArgv(v)];
        const secret = hideAll || SECRET_FIELDS.has(k) || isSecretName(k);
        const values = SECRET_VALUES.has(k);
        return [k, secret && (typeof v !== 'object' || v === null || Array.isArray(v)) ? (v === undefined ? v : REDACTED) : walk(v, secret || values)];
      }),
    );
  };
  return walk(JSON.parse(JSON.stringify(config)), false);
}

/** A reload as remembered: applied (the version it made), or rejected (why). */
export type ReloadRecord = { at: string; applied: true; version: string } | { at: string; applied: false; problem: string };

/** The running config's version, since when, and the last reloads. */
export class ConfigHistory {
  #version: string;
  #since = new Date().toISOString();
  readonly #reloads: ReloadRecord[] = [];

  constructor(private config: GatewayConfig) {
    this.#version = configVersion(config);
  }

  get version(): string {
    return this.#version;
  }

  /** A reload applied `config`: `since` moves only when the version changes (the same file read again is no news). */
  applied(config: GatewayConfig): void {
    const at = new Date().toISOString();
    const version = configVersion(config);
    if (version !== this.#version) this.#since = at;
    this.config = config;
    this.#version = version;
    this.#remember({ at, applied: true, version });
  }

  rejected(problem: string): void {
    this.#remember({ at: new Date().toISOString(), applied: false, problem: redactText(problem) });
  }

  report(): { version: string; since: string; reloads: ReloadRecord[]; config: unknown } {
    return { version: this.#version, since: this.#since, reloads: [...this.#reloads], config: redactedConfig(this.config) };
  }

  #remember(record: ReloadRecord): void {
    this.#reloads.unshift(record);
    this.#reloads.length = Math.min(this.#reloads.length, KEPT_RELOADS);
  }
}

/** GET /admin/config: `{ version, since, reloads, config }` of this replica. */
export function configRoute(history: ConfigHistory): HttpRoute {
  return {
    method: 'GET',
    path: '/admin/config',
    admin: true,
    handle(_req, res) {
      sendJson(res, 200, history.report());
    },
  };
}
