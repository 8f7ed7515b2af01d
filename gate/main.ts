import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { systemClock } from '../core/clock.js';
import { createLogger } from '../core/log.js';
import { GateAgent } from './agent.js';
import { CentralClient } from './central.js';
import { loadGateConfig } from './config.js';
import { Journal, journalKeyFrom } from './journal.js';
import { createGateServer } from './server.js';
import { createMetricsServer, GateStats } from './metrics.js';
import { startTelemetry } from '../core/telemetry/sdk.js';

/**
 * `scenic gate`: the edge gate agent of one entrance. Configuration from the
 * environment (see gate/config.ts and gate/README.md).
 * `scenic gate register|revoke ...` manages device credentials (gate/register.ts);
 * `scenic gate prepare-journal` gives the journal directory to the agent's user (gate/prepare-journal.ts).
 */
export async function main(argv: string[] = process.argv.slice(3)): Promise<number> {
  if (argv[0] === 'register' || argv[0] === 'revoke')
    return (await import('./register.js')).manageDevices(argv);
  if (argv[0] === 'prepare-journal')
    return (await import('./prepare-journal.js')).prepareJournal(argv.slice(1));
  return runAgent();
}

async function runAgent(): Promise<number> {
  // the journal and its WAL are the agent's alone (an edge box is shared with nothing, but may be lost)
  process.umask(0o077);
  const config = loadGateConfig();
  const log = createLogger('gate', config.logLevel).child({ gate: config.gateId });
  const journal = new Journal(config.journalPath, journalKeyFrom(config.credential));
  const central = new CentralClient(config.apiUrl, config.credential, config.syncTimeoutMs);
  const agent = new GateAgent({
    journal,
    central,
    clock: systemClock,
    log,
    precheck: config.precheck,
    precheckBudgetMs: config.precheckBudgetMs,
    refreshIntervalMs: config.refreshIntervalMs,
  });
  // traces and OTLP; the agent's /metrics is its own exposition (gate/server.ts)
  const telemetry = startTelemetry({ role: 'gate' });
  const stats = new GateStats();
  const server = createGateServer(agent, log, {
    stats,
    metricsToken: config.metricsToken,
    laneAccess: config.laneAccess,
  });
  const listen = (s: Server, port: number, host: string) =>
    new Promise<number>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => resolve((s.address() as AddressInfo).port));
    });
  const metricsServer = config.metricsPort
    ? createMetricsServer(agent, stats, config.metricsToken)
    : undefined;
  const metricsPort = metricsServer
    ? await listen(metricsServer, config.metricsPort, config.metricsHost)
    : undefined;
  const port = await listen(server, config.port, config.host);
  log.info(
    {
      port,
      host: config.host,
      lanes: config.laneAccess.lanes.size,
      metricsPort,
      journal: config.journalPath,
      backlog: journal.backlog(),
    },
    'gate agent listening',
  );

  let stopping = false;
  let syncTimer: NodeJS.Timeout | undefined;
  const loop = async () => {
    await agent.sync();
    if (!stopping) syncTimer = setTimeout(() => void loop(), config.syncIntervalMs);
  };
  void loop();
  const healthTimer = setInterval(() => void agent.reportHealth(), config.healthIntervalMs);

  return new Promise<number>((resolve) => {
    const stop = (signal: string) => {
      if (stopping) return;
      stopping = true;
      log.info({ signal }, 'gate agent stopping');
      clearTimeout(syncTimer);
      clearInterval(healthTimer);
      server.close();
      server.closeAllConnections();
      metricsServer?.close();
      metricsServer?.closeAllConnections();
      // One last upload attempt, bounded by the sync timeout; the journal keeps the rest.
      void agent.sync().finally(() => {
        journal.close();
        void telemetry.shutdown().finally(() => resolve(0));
      });
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
}
