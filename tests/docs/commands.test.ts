import { beforeAll, describe, expect, it } from 'vitest';
import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemo, type DemoSeed } from '../../cli/demo-seed.js';
import { ROOT } from '../web/browser.js';
import { useApi } from '../support/platform.js';

/**
 * The docs a newcomer follows are tried as a newcomer would: every ```sh block of these
 * files runs, as one bash script (`set -euo pipefail`), against a platform seeded by the
 * demo's own seeding (cli/demo-seed.ts), with the variables the demo's banner tells to
 * export. A block that cannot run here is listed in NOT_RUN with the reason, by its first
 * line; a listed line that no longer appears in the docs fails too, so the list follows
 * the docs.
 */
const DOCS = ['README.md', 'gate/README.md', 'core/channels/README.md'];

const NOT_RUN: Record<string, string> = {
  'make demo   # run the platform: Postgres + Redis, migrations, demo data, API + workers (+ gate agent), prints URLs':
    'starts the whole platform and the suite (this test starts a platform of its own)',
  'source /var/tmp/scenic/env       # DATABASE_URL, REDIS_URL, KUBECONFIG, SCENIC_BIN_DIR':
    'runs part of the test suite from inside it',
  'SCENIC_GATE_API_URL=http://127.0.0.1:8080/gate/v1 SCENIC_GATE_CREDENTIAL=sgd1.east-1.… \\':
    'a gate agent runs until stopped, and the bench measures for a while (tests/gate runs agents)',
  'kubectl apply --server-side -f crds/            # install and upgrade CRDs (Helm never upgrades them)':
    'needs a cluster with nodes (tests/operator/chart.test.ts installs the chart)',
  "SCENIC_ALERT_ROBOTS='[":
    'upgrades a Helm release in a cluster (tests/operator/chart.test.ts renders the alerting values)',
};

/** What a run block must print, beyond exiting 0 (by its first line). */
const PRINTS: Record<string, RegExp> = {
  "date=$(date -d '+2 days' +%F)": /"status":"issued"/,
};

interface Block {
  file: string;
  line: number;
  text: string;
}

function shBlocks(file: string): Block[] {
  const lines = readFileSync(join(ROOT, file), 'utf8').split('\n');
  const out: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(sh|bash)\s*$/.test(lines[i]!)) continue;
    const start = i + 1;
    while (i + 1 < lines.length && !lines[++i]!.startsWith('```'));
    out.push({ file, line: start + 1, text: lines.slice(start, i).join('\n') });
  }
  return out;
}

const blocks = DOCS.flatMap(shBlocks);
const firstLine = (b: Block) => b.text.split('\n')[0]!;
const toRun = blocks.filter((b) => !(firstLine(b) in NOT_RUN));

function needs(tool: string): void {
  if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0)
    throw new Error(`${tool} is not installed: the README's examples use it (scripts/test.sh installs it)`);
}

describe("the docs' command examples", () => {
  const t = useApi({ app: { rateLimits: false } });
  let seed: DemoSeed;
  beforeAll(async () => {
    seed = await seedDemo(t.platform, mkdtempSync(join(tmpdir(), 'scenic-docs-')));
  });

  it('are each run here or listed in NOT_RUN, which names only blocks still in the docs', () => {
    expect(toRun.length).toBeGreaterThanOrEqual(5);
    const firsts = new Set(blocks.map(firstLine));
    expect(Object.keys(NOT_RUN).filter((l) => !firsts.has(l))).toEqual([]);
  });

  it.each(toRun.map((b) => [`${b.file}:${b.line}`, b] as const))('%s runs', async (_where, b) => {
    needs('curl');
    needs('jq');
    // asynchronously: the API answering these commands runs in this process
    const r = await new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
      execFile(
        'bash',
        ['-euo', 'pipefail', '-c', b.text],
        {
          cwd: ROOT,
          encoding: 'utf8',
          timeout: 90_000,
          env: {
            ...process.env,
            SCENIC_API_URL: t.url,
            SCENIC_ADMIN_KEY: seed.adminKey,
            SCENIC_PARTNER_KEY: seed.partner.keyId,
            SCENIC_PARTNER_SECRET: seed.partner.secret,
            DATABASE_URL: t.env.DATABASE_URL,
            DATABASE_SCHEMA: t.env.DATABASE_SCHEMA,
          },
        },
        (err, stdout, stderr) =>
          resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
      );
    });
    expect(r.stdout).toMatch(PRINTS[firstLine(b)] ?? /[^]*/);
    expect(r.status, `${b.text}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`).toBe(0);
  });
});
