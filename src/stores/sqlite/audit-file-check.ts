// What `mcplex check --connect` says of an existing SQLite audit log: opened read-only (nothing written, no table
// made), that it is a SQLite database at all, and how far its chain goes. An unreadable or foreign file throws.
import type Database from 'better-sqlite3';
import { checkIdentifier } from '../audit-rows.js';
import { optionalModule } from '../optional-module.js';

const sqlite = optionalModule<typeof Database>('better-sqlite3');

/**
 * How far its chain goes ("newest record #seq": its primary key, so no scan of a large log), or that the table is not
 * made yet; throws for a file that is not a SQLite database.
 */
export function describeAuditDatabase(path: string, table = 'mcplex_audit'): string {
  checkIdentifier(table, 'table');
  const db = new (sqlite())(path, { readonly: true, fileMustExist: true });
  try {
    const made = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(table);
    if (!made) return `a SQLite database without the ${table} table yet (made at start)`;
    const { newest } = db.prepare(`SELECT max(seq) AS newest FROM ${table}`).get() as { newest: number | null };
    return newest === null ? `table ${table}, no records yet` : `table ${table}, newest record #${newest}`;
  } finally {
    db.close();
  }
}
