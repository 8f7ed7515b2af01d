/**
 * `scenic <command>`: one entry point so one container image runs every role.
 * Commands load their modules lazily, so a gate agent never loads the API stack.
 */
interface Command {
  summary: string;
  usage?: string;
  run(argv: string[]): Promise<number | void>;
}

const commands: Record<string, Command> = {
  api: {
    summary: 'serve the HTTP API (visitor, partner, staff, admin, gate routes)',
    run: async () => (await import('../api/main.js')).main(),
  },
  worker: {
    summary: 'run the background workers (hold expiry, outbox, notifications, reconciler)',
    run: async () => (await import('../workers/main.js')).main(),
  },
  operator: {
    summary: 'run the Kubernetes operator for ScenicArea and SalesWindow resources',
    run: async () => (await import('../operator/main.js')).main(),
  },
  gate: {
    summary: 'run the edge gate agent of one entrance',
    run: async () => (await import('../gate/main.js')).main(),
  },
  counter: {
    summary: 'people-counting sensors of zones: register (prints the secret once), list, retire',
    usage:
      'scenic counter register --id ID --area AREA --zone ZONE | scenic counter list --area AREA | ' +
      'scenic counter retire --id ID --area AREA',
    run: async (argv) => (await import('./counter.js')).main(argv),
  },
  migrate: {
    summary: 'apply database migrations',
    usage: 'scenic migrate [up|down|down-all|status]',
    run: async (argv) => (await import('./migrate.js')).main(argv),
  },
  inventory: {
    summary: 'inventory maintenance',
    usage: 'scenic inventory rebuild [--area ID] [--date YYYY-MM-DD] | scenic inventory reconcile',
    run: async (argv) => (await import('./inventory.js')).main(argv),
  },
  admin: {
    summary:
      'create the first platform admin of a fresh install, or reset one (prints a one-time enrolment token)',
    usage:
      'scenic admin create --username NAME --name "Display Name" [--email ADDRESS] [--hours 24] | ' +
      'scenic admin reset --username NAME [--second-factor] [--hours 24]',
    run: async (argv) => (await import('./admin.js')).main(argv),
  },
  keys: {
    summary:
      'ticket-signing keys (list, rotate, retire, revoke) and PII re-encryption after a PII key rotation',
    usage:
      'scenic keys list | rotate | retire --kid KID [--now] | revoke --kid KID | ' +
      'reencrypt [--batch 500] [--table T] [--pause-ms 0] [--check]',
    run: async (argv) => (await import('./keys.js')).main(argv),
  },
  'screen-token': {
    summary: 'print a new read-only crowd-screen token and the SHA-256 digest to configure',
    run: async (argv) => (await import('./screen-token.js')).main(argv),
  },
  demo: {
    summary: 'run the whole platform locally on demo data (migrate, seed, API + workers + gate agent)',
    run: async (argv) => (await import('./demo.js')).main(argv),
  },
};

function help(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: scenic <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun 'scenic <command> --help' for a command's options.\n`;
}

async function run(argv: string[]): Promise<number> {
  const name = argv[0];
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(help());
    return name ? 0 : 2;
  }
  const cmd = commands[name];
  if (!cmd) {
    process.stderr.write(`scenic: unknown command '${name}'\n\n${help()}`);
    return 2;
  }
  const rest = argv.slice(1);
  if (rest.includes('--help') || rest.includes('-h')) {
    process.stdout.write(`${cmd.usage ?? `scenic ${name}`}\n\n${cmd.summary}\n`);
    return 0;
  }
  return (await cmd.run(rest)) ?? 0;
}

run(process.argv.slice(2)).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (err: unknown) => {
    const e = err as {
      code?: string;
      message?: string;
      details?: { fields?: { path: string; message: string }[] };
    };
    if (e.code === 'invalid_config' && e.details?.fields) {
      console.error('scenic: invalid configuration:');
      for (const f of e.details.fields) console.error(`  ${f.path}: ${f.message}`);
    } else {
      console.error('scenic:', err instanceof Error ? (err.stack ?? err.message) : String(err));
    }
    process.exitCode = 1;
  },
);
