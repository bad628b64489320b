// docs/audit.md's framework example: every request to this server is audited into a hash-chained SQLite log;
// SIGTERM drains the audit queue before exit. Run: AUDIT_DB=/tmp/audit.db npx tsx examples/audited-server.ts
import { audit, createServer, FileAuditSpill, SqliteAuditSink } from 'mcplex';
import { z } from 'zod';

const path = process.env.AUDIT_DB ?? 'audit.db';
const server = createServer({ name: 'payments', version: '1.0.0' });

server.tool('refund', { description: 'Refunds an order', input: z.object({ orderId: z.string(), card: z.object({ number: z.string() }) }) }, ({ orderId }) => `refunded ${orderId}`);

// Audit first, so whatever later middleware refuses is audited too (with its error code).
const auditor = audit({
  sink: new SqliteAuditSink({ path }),
  spill: new FileAuditSpill(`${path}.spill.jsonl`),
  args: 'redacted',
  redactPaths: ['card.number'],
});
server.use(auditor);

const handle = await server.serveHttp({ port: Number(process.env.PORT ?? 3000) });
console.log(`listening on ${handle.url}`);
process.on('SIGTERM', async () => {
  await handle.close();
  await auditor.auditLog.close(); // writes every queued record, then closes the database
  process.exit(0);
});
