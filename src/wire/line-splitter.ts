// Splits a byte stream into '\n'-terminated lines with a hard cap per line, so a child that never
// prints a newline cannot grow our memory without bound. Works on bytes: a chunk may end mid-UTF-8.

export class LineSplitter {
  #parts: Buffer[] = [];
  #bytes = 0;
  /** True while skipping the rest of an overlong line, up to its newline. */
  #discarding = false;

  constructor(
    private readonly maxLineBytes: number,
    private readonly onLine: (line: Buffer) => void,
    private readonly onOverflow: (maxLineBytes: number) => void,
    /** Given every byte of an overlong line as it passes (`end` with its last part), for what can be learnt of it. */
    private readonly onOverlong?: (part: Buffer, end: boolean) => void,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const tail = chunk.subarray(start, nl);
      start = nl + 1;
      if (this.#discarding) {
        this.#discarding = false;
        this.onOverlong?.(tail, true);
        continue;
      }
      if (this.#bytes + tail.length > this.maxLineBytes) {
        this.#passHeld();
        this.onOverlong?.(tail, true);
        this.onOverflow(this.maxLineBytes);
        continue;
      }
      const line = this.#parts.length ? Buffer.concat([...this.#parts, tail]) : tail;
      this.#reset();
      this.onLine(line);
    }
    if (start === chunk.length) return;
    const rest = chunk.subarray(start);
    if (this.#discarding) {
      this.onOverlong?.(rest, false);
      return;
    }
    if (this.#bytes + rest.length > this.maxLineBytes) {
      this.#passHeld();
      this.onOverlong?.(rest, false);
      this.#discarding = true;
      this.onOverflow(this.maxLineBytes);
      return;
    }
    this.#parts.push(rest);
    this.#bytes += rest.length;
  }

  /** Emits a final unterminated line, if any (stream ended without a trailing newline). */
  flush(): void {
    if (!this.#discarding && this.#bytes > 0) this.onLine(Buffer.concat(this.#parts));
    this.#reset();
    this.#discarding = false;
  }

  /** The held start of a line found overlong goes to onOverlong, and is let go. */
  #passHeld(): void {
    for (const part of this.#parts) this.onOverlong?.(part, false);
    this.#reset();
  }

  #reset(): void {
    this.#parts = [];
    this.#bytes = 0;
  }
}
