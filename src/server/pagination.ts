// Opaque offset cursors for list results, and the list result built from one page.
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

/** One page of a list result, e.g. `{ tools: [...], nextCursor }`, for the cursor in the request's params. */
export function listPage<T>(items: readonly T[], key: string, params: unknown, pageSize: number): Record<string, unknown> {
  const { page, nextCursor } = paginate(items, (params as { cursor?: unknown } | undefined)?.cursor, pageSize);
  return nextCursor ? { [key]: page, nextCursor } : { [key]: page };
}
