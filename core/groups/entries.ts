/**
 * A group ticket's entries across gates (pure; the ledger in core/checkin/ledger.ts runs it
 * under the ticket's row lock). Its admitted scans, in (scanned_at, scan_id) order — the same
 * order for single tickets, a property of the scans and not of their arrival — each let
 * `persons` through; a scan counts the persons that still fit in the party's size and the
 * rest of it is over the limit (a double entry for staff). However many devices admitted the
 * party offline, the persons counted never exceed its size, and the outcome is the same
 * whatever order their journals arrive in.
 */
export interface GroupScan {
  scan_id: string;
  /** persons the gate let through; null: a gate that does not send it — the rest of the party */
  persons: number | null;
}

export interface GroupCount {
  /** per scan id: persons counted within the size (0: none fit) */
  counted: Map<string, number>;
  /** scans that let more through than fitted */
  overIds: string[];
  /** persons counted in all (≤ size) */
  entered: number;
}

export function countGroupEntries(scans: readonly GroupScan[], size: number): GroupCount {
  const counted = new Map<string, number>();
  const overIds: string[] = [];
  let entered = 0;
  for (const s of scans) {
    const left = size - entered;
    const want = s.persons ?? Math.max(1, left);
    const take = Math.min(want, left);
    counted.set(s.scan_id, take);
    entered += take;
    if (take < want) overIds.push(s.scan_id);
  }
  return { counted, overIds, entered };
}
