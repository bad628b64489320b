// Admin endpoints of tool pinning (`pinning:`): GET /admin/pins lists the tools and prompts whose definitions changed
// since they were pinned (held, or served with `onChange: warn`); POST /admin/pins/approve pins their current
// definitions (on every replica: the same definitions, by their digests). Body: { "server": "<name>", "tool" or
// "prompt": "<the server's own name>", "definitions": ["<digest>"] }, each optional ({} approves every change).
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type HttpRoute, sendJson } from '../server/index.js';
import type { AdminChanges } from './admin-changes.js';
import { type ChangedTool, definitionDigest, type ToolPins } from './tool-pins.js';

const OFF = 'tool pinning is off: add a pinning: section to the gateway file (docs/pinning.md)';

function parse(body: unknown): { server?: string; tool?: string; prompt?: string; definitions?: string[] } | string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return 'expected a JSON object with server and/or tool or prompt ({} approves every change)';
  const { server, tool, prompt, definitions, ...rest } = body as Record<string, unknown>;
  const unknown = Object.keys(rest);
  if (unknown.length > 0) return `unknown field(s) ${unknown.join(', ')}; expected server, tool, prompt, definitions`;
  if (definitions !== undefined && !(Array.isArray(definitions) && definitions.every((d) => typeof d === 'string'))) return 'definitions: expected the digests of the definitions to approve (GET /admin/pins lists each change\'s)';
  if (server !== undefined && (typeof server !== 'string' || server === '')) return 'server: expected a server name';
  for (const [key, value] of [['tool', tool], ['prompt', prompt]] as const) {
    if (value === undefined) continue;
    if (typeof value !== 'string' || value === '') return `${key}: expected the server's own name for the ${key}`;
    if (server === undefined) return `${key}: name its server too`;
  }
  if (tool !== undefined && prompt !== undefined) return 'give tool or prompt, not both';
  return {
    ...(server !== undefined && { server: server as string }),
    ...(tool !== undefined && { tool: tool as string }),
    ...(prompt !== undefined && { prompt: prompt as string }),
    ...(definitions !== undefined && { definitions: definitions as string[] }),
  };
}

/** As the API shows a change: a tool's name under `tool`, a prompt's under `prompt`, and its definition's digest. */
const shown = ({ tool, ...c }: ChangedTool) => ({ ...c, [c.kind]: tool, definition: definitionDigest(c.current) });

/** `approved` runs after an approval (the gateway merges its catalog again and tells clients). */
export function pinsRoutes(pins: () => ToolPins | undefined, approved: (tools: ChangedTool[]) => void, changes: AdminChanges): HttpRoute[] {
  return [
    {
      method: 'GET',
      path: '/admin/pins',
      admin: true,
      handle(_req: IncomingMessage, res: ServerResponse) {
        const p = pins();
        if (!p) return sendJson(res, 404, { error: OFF });
        sendJson(res, 200, { file: p.config.file, onChange: p.config.onChange, pinned: p.counts(), changed: p.changed().map(shown) });
      },
    },
    changes.route({
      path: '/admin/pins/approve',
      logged: true,
      apply(body) {
        const p = pins();
        if (!p) return { status: 404, body: { error: OFF } };
        const asked = parse(body);
        if (typeof asked === 'string') return { status: 400, body: { error: asked } };
        const done = p.approve(asked.server, asked.tool, asked.prompt, asked.definitions);
        if (done.length === 0) return { status: 404, body: { error: 'no changed tool or prompt matches (GET /admin/pins lists them)' } };
        approved(done);
        // The other replicas approve what was approved here (the same definitions), not whatever they hold by that name.
        const told = { ...asked, definitions: done.map((c) => definitionDigest(c.current)) };
        return { status: 200, body: { approved: done.map((c) => ({ kind: c.kind, server: c.server, [c.kind]: c.tool, changed: c.changed, definition: definitionDigest(c.current) })) }, told };
      },
    }),
  ];
}
