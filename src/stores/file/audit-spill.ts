// Where audit records wait while the audit store is unreachable: a local JSON-lines file, appended and synced
// before a record counts as kept, and rewritten atomically (write + rename) as a replay makes progress.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditRecord, AuditSpill } from '../../core/audit.js';

export class FileAuditSpill implements AuditSpill {
  #size: number;

  constructor(readonly path: string) {
    mkdirSync(dirname(path), { recursive: true });
    // Records spilled by an earlier run (the store was down when it stopped) are replayed by this one.
    this.#size = this.read().length;
  }

  get size(): number {
    return this.#size;
  }

  append(records: readonly AuditRecord[]): void {
    if (records.length === 0) return;
    const fd = openSync(this.path, 'a', 0o600);
    try {
      writeSync(fd, records.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    this.#size += records.length;
  }

  read(): AuditRecord[] {
    if (!existsSync(this.path)) return [];
    const out: AuditRecord[] = [];
    for (const line of readFileSync(this.path, 'utf8').split('\n')) {
      if (line.trim() === '') continue;
      // A line cut short by a crash mid-write is the only unparsable one there can be: its record was never
      // acknowledged, so it is not one we promised to keep.
      try {
        out.push(JSON.parse(line) as AuditRecord);
      } catch {}
    }
    return out;
  }

  replace(rest: readonly AuditRecord[]): void {
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, 'w', 0o600);
    try {
      writeSync(fd, rest.map((r) => `${JSON.stringify(r)}\n`).join(''));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    this.#size = rest.length;
  }
}
