import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

/**
 * `scenic gate prepare-journal --dir DIR --owner UID:GID`: makes the node's journal
 * directory the agent's own (owner UID:GID, mode 0700) before the agent starts.
 *
 * The DaemonSet's journal is a hostPath, which the kubelet creates root-owned (0755)
 * while the agent runs as uid 1000; and `fsGroup` does not apply to hostPath volumes.
 * So the pod's init container runs this as root with only CAP_CHOWN and CAP_FOWNER,
 * and the agent itself never runs as root. It follows no symlink (a planted link cannot
 * make it chown something else), and touches only DIR and the files directly in it.
 */
export function prepareJournal(argv: string[]): number {
  const { values } = parseArgs({
    args: argv,
    options: { dir: { type: 'string' }, owner: { type: 'string' } },
  });
  const owner = /^(\d+):(\d+)$/.exec(values.owner ?? '');
  if (!values.dir || !owner) {
    console.error('usage: scenic gate prepare-journal --dir DIR --owner UID:GID');
    return 2;
  }
  const [uid, gid] = [Number(owner[1]), Number(owner[2])];
  const dir = values.dir;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!lstatSync(dir).isDirectory()) {
    console.error(`scenic gate prepare-journal: ${dir} is not a directory`);
    return 1;
  }
  chownSync(dir, uid, gid);
  chmodSync(dir, 0o700);
  let files = 0;
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = lstatSync(path);
    if (!st.isFile()) continue; // never a symlink, a device or a subdirectory
    chownSync(path, uid, gid);
    chmodSync(path, 0o600);
    files++;
  }
  console.error(`journal directory ${dir} owned by ${uid}:${gid} (mode 0700, ${files} files)`);
  return 0;
}
