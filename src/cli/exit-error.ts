// How a command ends with a message and an exit code (main.ts prints `mcplex: <message>` and exits with it). Its own
// module, so the commands that need nothing else of the gateway (`mcplex admin`) load nothing else.

/** An error that ends the command: its message printed, the process exiting with `code` (2: a usage or config error). */
export class ExitError extends Error {
  constructor(
    message: string,
    readonly code: number,
  ) {
    super(message);
  }
}
