// The top-level members of a JSON object read as its bytes pass, nested values replaced by null, in bounded memory:
// enough to learn the id of a message too large to keep (src/client/stdio-process-transport.ts). A streaming
// shallowParse (src/client/depth-guard.ts).

/** Top-level text past this is not one of a JSON-RPC envelope's few members: the reader gives up. */
const MAX_TOP_LEVEL_BYTES = 4096;

export class TopLevelReader {
  #kept: Buffer[] = [];
  #size = 0;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #overflow = false;

  push(chunk: Buffer): void {
    if (this.#overflow) return;
    let from = 0;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk[i]!;
      if (this.#inString) {
        if (this.#escaped) this.#escaped = false;
        else if (c === 0x5c) this.#escaped = true;
        else if (c === 0x22) this.#inString = false;
      } else if (c === 0x22) this.#inString = true;
      else if (c === 0x7b || c === 0x5b) {
        if (++this.#depth === 2) {
          this.#keep(chunk.subarray(from, i));
          this.#keep(Buffer.from('null'));
        }
      } else if ((c === 0x7d || c === 0x5d) && this.#depth-- === 2) from = i + 1;
    }
    if (this.#depth < 2) this.#keep(chunk.subarray(from));
  }

  #keep(part: Buffer): void {
    this.#size += part.length;
    if (this.#size > MAX_TOP_LEVEL_BYTES) this.#overflow = true;
    else this.#kept.push(part);
  }

  /** The object read, or undefined when it was none (or its top level too large to keep). */
  end(): Record<string, unknown> | undefined {
    if (this.#overflow) return undefined;
    try {
      const value: unknown = JSON.parse(Buffer.concat(this.#kept).toString('utf8'));
      return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
    } catch {
      return undefined;
    }
  }
}
