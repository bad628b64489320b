// `mcplex audit query`, `head` and `verify`: read the audit log the gateway config names (its `audit:` section),
// list records, print the chain's head as an anchor, and check the chain and anchors (exit 1 naming what failed).
// `query` and `head` may ask a running gateway instead (`--url`: its admin endpoints, as `mcplex admin` does).
import { type Command, InvalidArgumentError } from 'commander';
import { durationMs } from '../core/duration.js';
import type { AuditAnchor, AuditQuery, AuditVerifyResult, StoredAuditRecord } from '../core/index.js';
import { formatAnchor, parseAnchor } from '../stores/audit-chain.js';
import { adminRequest, adminTarget } from './admin-api.js';
import { loadOrExit } from './config-file.js';
import { ExitError } from './exit-error.js';

/** An ISO time, or a span back from now: 90s, 15m, 2h, 7d. */
export function parseSince(value: string, now = Date.now()): string {
  const span = durationMs(value);
  if (span !== undefined) return new Date(now - span).toISOString();
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw new InvalidArgumentError('expected a time (2026-01-31T12:00:00Z) or a span back from now (15m, 2h, 7d)');
  return t.toISOString();
}

function anchorOption(value: string, previous: AuditAnchor[] = []): AuditAnchor[] {
  try {
    return [...previous, parseAnchor(value)];
  } catch (err) {
    throw new InvalidArgumentError((err as Error).message);
  }
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

/** The audit store the config at `path` names (loaded only then: `--url` needs none of it). */
async function sinkOf(path: string | undefined) {
  const config = await loadOrExit(path);
  if (!config.audit) throw new ExitError(`${path ?? 'the embedded default config'} has no audit: section (add 'audit: {}' for a SQLite log, see docs/audit.md)`, 2);
  const { sinkFromConfig } = await import('../gateway/audit.js');
  return sinkFromConfig(config.audit);
}

/** Where records are read: the gateway's admin endpoints (`--url`, credential in MCPLEX_ADMIN_KEY), else the store the config names. */
interface Source {
  config?: string;
  url?: string;
  /** With --url: log in to the gateway's authorization server instead of MCPLEX_ADMIN_KEY. */
  oauth?: boolean;
}

const FILTERS = ['principal', 'tool', 'method', 'tenant', 'endpoint', 'client', 'since', 'limit'] as const;

async function queryRecords(opts: Source & AuditQuery): Promise<StoredAuditRecord[]> {
  const q: AuditQuery = {};
  for (const key of FILTERS) if (opts[key] !== undefined) (q as Record<string, unknown>)[key] = opts[key];
  if (opts.url !== undefined) {
    const params = new URLSearchParams(Object.entries(q).map(([k, v]) => [k, String(v)]));
    return (await adminRequest(adminOf(opts), `/admin/audit?${params}`)).records as StoredAuditRecord[];
  }
  const sink = await sinkOf(opts.config);
  try {
    return await sink.query(q);
  } finally {
    await sink.close();
  }
}

/** The chain checked: by the store the config names, or by the gateway at --url (GET /admin/audit/verify). */
async function verified(opts: Source, anchors: AuditAnchor[]): Promise<AuditVerifyResult> {
  if (opts.url !== undefined) {
    const params = new URLSearchParams(anchors.map((a) => ['anchor', formatAnchor(a)]));
    return (await adminRequest(adminOf(opts), `/admin/audit/verify?${params}`)) as unknown as AuditVerifyResult;
  }
  const sink = await sinkOf(opts.config);
  try {
    return await sink.verify({ anchors });
  } finally {
    await sink.close();
  }
}

async function headOf(opts: Source): Promise<{ seq: number; hash: string } | undefined> {
  if (opts.url !== undefined) {
    const answer = await adminRequest(adminOf(opts), '/admin/audit/head');
    return answer.head === null ? undefined : { seq: Number(answer.seq), hash: String(answer.hash) };
  }
  const sink = await sinkOf(opts.config);
  try {
    return await sink.head();
  } finally {
    await sink.close();
  }
}

function adminOf(opts: Source) {
  if (opts.config !== undefined) throw new ExitError('give --config (read the store it names) or --url (ask that gateway), not both', 2);
  return adminTarget(opts.url!, opts.oauth);
}

const OAUTH_HELP = "with --url: log in to the gateway's authorization server in a browser (asking for mcplex:admin) instead of MCPLEX_ADMIN_KEY";
const URL_HELP = 'ask the gateway at this URL instead (its admin endpoints; credential in MCPLEX_ADMIN_KEY or MCPLEX_ADMIN_KEY_FILE)';

function line(r: StoredAuditRecord): string {
  const outcome = r.outcome === 'error' ? `error ${r.errorCode}` : r.outcome;
  const who = [r.tenant ? `${r.principal}@${r.tenant}` : r.principal, r.client && `from ${r.client}`].filter(Boolean).join(' ');
  const what = [r.method, r.target, r.upstream && `(${r.upstream})`, r.endpoint && `at ${r.endpoint}`].filter(Boolean).join(' ');
  return `${r.seq}\t${r.time}\t${who}\t${what}\t${outcome}\t${r.durationMs}ms`;
}

export function registerAuditCommands(program: Command): void {
  const cmd = program.command('audit').description('Read and check the audit log named in the gateway config');
  cmd
    .command('query')
    .description('List audit records, most recent last')
    .option('-c, --config <file>', 'gateway config whose audit: section names the log')
    .option('--url <url>', URL_HELP)
    .option('--oauth', OAUTH_HELP)
    .option('--principal <id>', 'only this principal')
    .option('--tool <name>', 'only this tool (or resource URI, prompt name)')
    .option('--method <method>', 'only this method (tools/call, elicitation/create, …)')
    .option('--tenant <tenant>', 'only this tenant')
    .option('--endpoint <name>', 'only requests on this named endpoint (endpoints: in the config)')
    .option('--client <address>', 'only requests from this client address')
    .option('--since <time>', 'only records from this time (ISO) or span back from now (15m, 2h, 7d)', (v) => parseSince(v))
    .option('--limit <n>', 'at most this many (the most recent); default 100', positive)
    .option('--json', 'print a JSON array of records')
    .action(async (opts) => {
      const records = await queryRecords(opts);
      process.stdout.write(opts.json ? `${JSON.stringify(records, null, 2)}\n` : records.map((r) => `${line(r)}\n`).join(''));
    });
  cmd
    .command('head')
    .description('Print the newest record as seq:hash, to keep outside the log as an anchor for `audit verify --anchor`')
    .option('-c, --config <file>', 'gateway config whose audit: section names the log')
    .option('--url <url>', URL_HELP)
    .option('--oauth', OAUTH_HELP)
    .option('--json', 'print {"seq":…,"hash":…} (null for an empty log)')
    .action(async (opts) => {
      const head = await headOf(opts);
      if (opts.json) process.stdout.write(`${JSON.stringify(head ?? null)}\n`);
      else if (head) process.stdout.write(`${formatAnchor(head)}\n`);
      else throw new ExitError('the audit log is empty: no head to anchor yet', 1);
    });
  cmd
    .command('verify')
    .description('Check the hash chain (and anchors); exits 1 naming the first modified, deleted or inserted record, or a failed anchor')
    .option('-c, --config <file>', 'gateway config whose audit: section names the log')
    .option('--url <url>', URL_HELP)
    .option('--oauth', OAUTH_HELP)
    .option('--anchor <seq:hash>', 'a head printed earlier by `audit head`: the log must still hold it (repeatable)', anchorOption)
    .action(async (opts) => {
      const result = await verified(opts, opts.anchor ?? []);
      const problems = (result.anchors ?? []).filter((a) => !a.ok).map((a) => `audit anchor failed: ${a.message}`);
      if (result.firstBad) problems.unshift(`audit chain broken: ${result.firstBad.message}${result.firstBad.requestId ? ` [requestId ${result.firstBad.requestId}]` : ''}`);
      if (!result.ok) throw new ExitError(problems.join('\n  '), 1);
      const matched = result.anchors?.filter((a) => a.reason !== 'pruned').length ?? 0;
      const pruned = (result.anchors?.length ?? 0) - matched;
      const anchors = [matched > 0 && `${matched} anchor${matched === 1 ? '' : 's'} matched`, pruned > 0 && `${pruned} before the start not checked`].filter(Boolean).join(', ');
      const start = result.start ? ` after record ${result.start.seq} (the older ones removed by retention, ${result.start.prunedAt})` : '';
      process.stdout.write(`audit chain intact: ${result.checked} records${start}${anchors ? `, ${anchors}` : ''}\n`);
    });
  cmd
    .command('prune')
    .description('Remove the records from before a time (the newest is always kept); the log still verifies from where it then starts')
    .option('-c, --config <file>', 'gateway config whose audit: section names the log')
    .requiredOption('--before <time>', 'remove the records from before this time (ISO) or span back from now (90d)', (v) => parseSince(v))
    .action(async (opts) => {
      const sink = await sinkOf(opts.config);
      try {
        if (!sink.prune) throw new ExitError('this audit store cannot be pruned', 2);
        const { removed, start } = await sink.prune(opts.before);
        const startsAfter = start ? `; the log starts after record ${start.seq} (${formatAnchor(start)})` : '';
        process.stdout.write(`${removed === 0 ? 'nothing to remove' : `removed ${removed} record${removed === 1 ? '' : 's'}`} from before ${opts.before}${startsAfter}\n`);
      } finally {
        await sink.close();
      }
    });
}
