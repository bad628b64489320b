// Opaque offset cursors for list results.
import { ErrorCode, WireError } from '../core/index.js';

export function paginate<T>(items: readonly T[], cursor: unknown, pageSize: number): { page: T[]; nextCursor?: string } {
  let offset = 0;
  if (cursor !== undefined) {
    const n = typeof cursor === 'string' ? Number.parseInt(Buffer.from(cursor, 'base64url').toString(), 10) : Number.NaN;
    if (!Number.isInteger(n) || n < 0 || n > items.length) throw new WireError(ErrorCode.InvalidParams, 'Invalid cursor');
    offset = n;
  }
  const end = offset + pageSize;
  const page = items.slice(offset, end);
  return end < items.length ? { page, nextCursor: Buffer.from(String(end)).toString('base64url') } : { page };
}
