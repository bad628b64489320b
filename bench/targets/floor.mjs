// The `floor` target (opt-in: `--only …,floor`): the least any Node HTTP → stdio MCP gateway can do per call.
// node:http, one JSON.parse per body, ids remapped, lines written to one stdio upstream (one write per turn of
// the event loop), replies relayed — no SDK on the HTTP side, no validation, no pipeline, no logging. It speaks
// just enough of the 2025-era session protocol for the load client (initialize, Mcp-Session-Id, DELETE) and is
// NOT a usable server: it is the yardstick the gateway's own per-call cost is measured against.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const [upstreamPath] = process.argv.slice(2);
const upstream = spawn(process.execPath, [upstreamPath], { stdio: ['pipe', 'pipe', 'inherit'] });
upstream.on('exit', () => process.exit(1));
process.on('SIGTERM', () => {
  upstream.kill();
  process.exit(0);
});

const waiting = new Map();
let nextId = 0;
let pendingOut = '';
upstream.stdout.setEncoding('utf8').on('data', (chunk) => {
  pendingOut += chunk;
  for (let nl = pendingOut.indexOf('\n'); nl >= 0; nl = pendingOut.indexOf('\n')) {
    const message = JSON.parse(pendingOut.slice(0, nl));
    pendingOut = pendingOut.slice(nl + 1);
    waiting.get(message.id)?.(message);
    waiting.delete(message.id);
  }
});

let corked = false;
function toUpstream(message) {
  const id = nextId++;
  if (!corked) {
    corked = true;
    upstream.stdin.cork();
    setImmediate(() => {
      corked = false;
      upstream.stdin.uncork();
    });
  }
  upstream.stdin.write(`${JSON.stringify({ ...message, id })}\n`);
  return new Promise((resolve) => waiting.set(id, resolve));
}

await toUpstream({ jsonrpc: '2.0', method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'floor', version: '1' } } });
upstream.stdin.write('{"jsonrpc":"2.0","method":"notifications/initialized"}\n');

const sessions = new Set();
function reply(res, status, message, headers = {}) {
  const body = JSON.stringify(message);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}

async function answer(req, res, message) {
  if (message.method === 'initialize') {
    const session = randomUUID();
    sessions.add(session);
    const result = { protocolVersion: '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'floor', version: '1' } };
    return reply(res, 200, { jsonrpc: '2.0', id: message.id, result }, { 'mcp-session-id': session });
  }
  if (message.id === undefined) return void res.writeHead(202).end();
  if (!sessions.has(req.headers['mcp-session-id'])) return reply(res, 404, { jsonrpc: '2.0', id: message.id, error: { code: -32001, message: 'Session not found' } });
  const answered = await toUpstream({ jsonrpc: '2.0', method: message.method, params: message.params });
  reply(res, 200, { ...answered, id: message.id });
}

const server = createServer((req, res) => {
  if (req.method === 'DELETE') {
    sessions.delete(req.headers['mcp-session-id']);
    return void res.writeHead(200).end();
  }
  const chunks = [];
  req.on('data', (c) => chunks.push(c)).on('end', () => {
    let message;
    try {
      message = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return reply(res, 400, { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } });
    }
    answer(req, res, message);
  });
});
server.listen(0, '127.0.0.1', () => console.log(`LISTENING http://127.0.0.1:${server.address().port}/mcp`));
