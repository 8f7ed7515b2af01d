import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * A TCP proxy between a gate agent and the API: `cut()` drops every open connection and
 * holds new ones unanswered (packets into the void, like a pulled cable), `restore()`
 * lets traffic through again. The agent under test has no idea; it only sees the link.
 */
export class LinkProxy {
  private server!: Server;
  private readonly live = new Set<Socket>();
  private held: Socket[] = [];
  private down = false;
  port = 0;

  constructor(private readonly targetPort: number) {}

  async start(): Promise<this> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this;
  }

  private accept(client: Socket): void {
    client.on('error', () => client.destroy());
    if (this.down) {
      this.held.push(client);
      return;
    }
    const upstream = connect(this.targetPort, '127.0.0.1');
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
    this.live.add(client).add(upstream);
    client.on('close', () => this.live.delete(client));
    upstream.on('close', () => this.live.delete(upstream));
    client.pipe(upstream);
    upstream.pipe(client);
  }

  cut(): void {
    this.down = true;
    for (const s of this.live) s.destroy();
    this.live.clear();
  }

  restore(): void {
    this.down = false;
    for (const s of this.held) s.destroy();
    this.held = [];
  }

  async close(): Promise<void> {
    this.cut();
    this.restore();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
