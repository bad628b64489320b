// A 2025-era stdio MCP server written on the raw wire, for ownership tests: it ignores cancellation, and its
// server→client traffic carries no link to the call behind it (as on any stdio upstream).
// Tools:
//   hold   — logs 'holding', and is answered only when a later call arrives; before answering, it sends (for the held call) a log
//            message and an elicitation/create, and answers the held call with what came back.
//   ask    — sends a log and an elicitation at once and answers with the outcome.
//   roots  — answers with the result of the roots/list the server sent right after initialization.
//   subs   — answers with { now: the URIs subscribed, ever: how many resources/subscribe requests came }.
// Resources: stub://a and stub://b, subscribable.
import { createInterface } from 'node:readline';

let nextId = 0;
const waiting = new Map(); // our request id -> resolve
let held; // the id of a held `hold` call
let rootsAnswer = 'none yet';
const subscribed = new Set();
let subscribes = 0;
const send = (m) => process.stdout.write(`${JSON.stringify({ jsonrpc: '2.0', ...m })}\n`);
const request = (method, params) =>
  new Promise((resolve) => {
    const id = `s${nextId++}`;
    waiting.set(id, resolve);
    send({ id, method, params });
  });
const text = (t) => ({ content: [{ type: 'text', text: t }] });
const outcome = (m) => (m.error ? `error: ${m.error.message}` : `answer: ${JSON.stringify(m.result)}`);
const tool = (name) => ({ name, inputSchema: { type: 'object' } });

async function askFor(whom) {
  send({ method: 'notifications/message', params: { level: 'info', data: `log for ${whom}` } });
  const got = outcome(await request('elicitation/create', { message: `a question for ${whom}`, requestedSchema: { type: 'object', properties: {} } }));
  process.stderr.write(`elicitation for ${whom}: ${got}\n`);
  return got;
}

createInterface({ input: process.stdin }).on('line', async (line) => {
  const m = JSON.parse(line);
  if (m.id !== undefined && m.method === undefined) return waiting.get(m.id)?.(m);
  switch (m.method) {
    case 'initialize':
      return send({ id: m.id, result: { protocolVersion: '2025-11-25', capabilities: { tools: {}, logging: {}, resources: { subscribe: true } }, serverInfo: { name: 'stubborn', version: '1.0.0' } } });
    case 'notifications/initialized':
      rootsAnswer = outcome(await request('roots/list', {}));
      return;
    case 'tools/list':
      return send({ id: m.id, result: { tools: [tool('hold'), tool('ask'), tool('roots'), tool('subs')] } });
    case 'resources/list':
      return send({ id: m.id, result: { resources: ['a', 'b'].map((n) => ({ uri: `stub://${n}`, name: n })) } });
    case 'resources/templates/list':
      return send({ id: m.id, result: { resourceTemplates: [] } });
    case 'resources/subscribe':
      subscribes++;
      subscribed.add(m.params.uri);
      return send({ id: m.id, result: {} });
    case 'resources/unsubscribe':
      subscribed.delete(m.params.uri);
      return send({ id: m.id, result: {} });
    case 'tools/call': {
      const name = m.params?.name;
      if (name === 'roots') return send({ id: m.id, result: text(rootsAnswer) });
      if (name === 'subs') return send({ id: m.id, result: text(JSON.stringify({ now: [...subscribed].sort(), ever: subscribes })) });
      if (name === 'ask') return send({ id: m.id, result: text(await askFor('the asking call')) });
      if (name === 'hold') {
        if (held === undefined) {
          held = m.id;
          send({ method: 'notifications/message', params: { level: 'info', data: 'holding' } });
          return; // answered when the next call arrives; cancellation is ignored
        }
        const first = held;
        held = undefined;
        const asked = await askFor('the held call');
        send({ id: first, result: text(`held call: ${asked}`) });
        return send({ id: m.id, result: text('second call done') });
      }
      return send({ id: m.id, error: { code: -32602, message: `Unknown tool: ${name}` } });
    }
    case 'notifications/cancelled':
      process.stderr.write(`cancel ignored: ${m.params?.requestId}\n`);
      return;
    default:
      if (m.id !== undefined) send({ id: m.id, error: { code: -32601, message: `Method not found: ${m.method}` } });
  }
});
