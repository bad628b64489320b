// A TCP link to a server (Redis) that a test can cut and restore, as a network partition between one client and
// that server: while cut, its connections are dropped and new ones closed at once.
import { type Server, type Socket, connect, createServer } from 'node:net';

export class TcpLink {
  #cut = false;
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** A link listening on 127.0.0.1 (an ephemeral port) to `host:port`. */
  static async to(host: string, port: number): Promise<TcpLink> {
    let link: TcpLink | undefined;
    const server = createServer((socket) => link!.#join(socket, host, port));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    link = new TcpLink(server, (server.address() as { port: number }).port);
    return link;
  }

  /** A link to the server at `url` (e.g. redis://…:6379), and the same URL through the link. */
  static async toUrl(url: string, defaultPort: number): Promise<{ link: TcpLink; via: string }> {
    const far = new URL(url);
    const link = await TcpLink.to(far.hostname, Number(far.port || defaultPort));
    const via = new URL(url);
    via.host = `127.0.0.1:${link.port}`;
    return { link, via: via.href };
  }

  #join(socket: Socket, host: string, port: number): void {
    if (this.#cut) return void socket.destroy();
    const far = connect(port, host);
    for (const [one, other] of [[socket, far], [far, socket]] as const) {
      this.#sockets.add(one);
      one.pipe(other);
      one.on('error', () => other.destroy());
      one.on('close', () => {
        this.#sockets.delete(one);
        other.destroy();
      });
    }
  }

  /** Drops every connection through the link, and closes new ones until restored. */
  cut(): void {
    this.#cut = true;
    for (const socket of this.#sockets) socket.destroy();
  }

  restore(): void {
    this.#cut = false;
  }

  close(): Promise<void> {
    this.cut();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
