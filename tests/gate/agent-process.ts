import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createInterface } from 'node:readline';
import type { ScanResult } from '../../gate/agent.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface AgentHealth {
  ready: boolean;
  online: boolean;
  journalBacklog: number;
  manifestTickets: number;
  manifestDate: string | null;
  changeCursor: number;
  changesSeen: number;
  lastSyncAt: string | null;
  offlineSince: string | null;
  inPark: number;
}

/**
 * A gate agent as a real child process (`node bin/scenic.mjs gate`), the way it runs
 * on an entrance node.
 */
export class AgentProcess {
  child!: ChildProcess;
  port = 0;
  /** the dedicated metrics listener's port (SCENIC_GATE_METRICS_PORT), when started with one */
  metricsPort: number | undefined;
  readonly logs: string[] = [];

  constructor(
    readonly name: string,
    private readonly env: Record<string, string>,
    /** run as this user (through setpriv), as the DaemonSet's pod does (uid 1000) */
    private readonly runAs?: { uid: number; gid: number },
  ) {}

  async start(timeoutMs = 30_000): Promise<this> {
    // the test process's own scrape token (tests/support/platform.ts) is the API's, not this agent's
    const inherited = { ...process.env };
    delete inherited.SCENIC_METRICS_TOKEN;
    const argv = [process.execPath, 'bin/scenic.mjs', 'gate'];
    const [cmd, ...args] = this.runAs
      ? [
          'setpriv',
          '--reuid',
          String(this.runAs.uid),
          '--regid',
          String(this.runAs.gid),
          '--clear-groups',
          ...argv,
        ]
      : argv;
    this.child = spawn(cmd!, args, {
      cwd: ROOT,
      env: { ...inherited, LOG_LEVEL: 'info', SCENIC_GATE_PORT: '0', ...this.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const stderr: string[] = [];
    this.child.stderr!.on('data', (d: Buffer) => stderr.push(d.toString()));
    this.port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.name} did not start: ${stderr.join('')}`)),
        timeoutMs,
      );
      this.child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${this.name} exited with ${code}: ${stderr.join('')}`));
      });
      createInterface({ input: this.child.stdout! }).on('line', (line) => {
        this.logs.push(line);
        try {
          const j = JSON.parse(line) as { msg?: string; port?: number; metricsPort?: number };
          if (j.msg === 'gate agent listening' && j.port) {
            clearTimeout(timer);
            this.metricsPort = j.metricsPort;
            resolve(j.port);
          }
        } catch {
          /* not a log line */
        }
      });
    });
    return this;
  }

  async scan(body: Record<string, unknown>): Promise<ScanResult & { ms: number }> {
    const t0 = performance.now();
    const res = await fetch(`http://127.0.0.1:${this.port}/scan`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (res.status !== 200) throw new Error(`${this.name} /scan answered ${res.status}: ${await res.text()}`);
    return { ...((await res.json()) as ScanResult), ms: performance.now() - t0 };
  }

  async health(): Promise<AgentHealth> {
    const res = await fetch(`http://127.0.0.1:${this.port}/health`);
    return (await res.json()) as AgentHealth;
  }

  /** Polls the agent's health until `ok` holds. */
  async waitFor(ok: (h: AgentHealth) => boolean, what: string, timeoutMs = 20_000): Promise<AgentHealth> {
    const until = Date.now() + timeoutMs;
    let last: AgentHealth | undefined;
    while (Date.now() < until) {
      last = await this.health().catch(() => undefined);
      if (last && ok(last)) return last;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${this.name}: timed out waiting for ${what}; last health ${JSON.stringify(last)}`);
  }

  kill9(): Promise<void> {
    return this.stop('SIGKILL');
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    if (!this.child || this.child.exitCode !== null || this.child.signalCode !== null)
      return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill(signal);
    });
  }
}

/** Environment of an agent that talks to the API at `apiUrl`. */
export function agentEnv(
  apiUrl: string,
  credential: string,
  journal: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    SCENIC_GATE_API_URL: apiUrl,
    SCENIC_GATE_CREDENTIAL: credential,
    SCENIC_GATE_JOURNAL: journal,
    SCENIC_GATE_SYNC_INTERVAL_MS: '200',
    SCENIC_GATE_SYNC_TIMEOUT_MS: '1000',
    SCENIC_GATE_HEALTH_INTERVAL_MS: '1000',
    // The production budget is 150 ms; tests share two cores with other suites, so the
    // centre gets more time here to keep "online" deterministic.
    SCENIC_GATE_PRECHECK_BUDGET_MS: '1000',
    ...extra,
  };
}
