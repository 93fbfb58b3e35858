// The findings as groups, as Wireshark's Expert Info groups them: severity → finding id →
// occurrences. A capture of a logon storm says "logon failure" on thousands of connections: that
// is one entry with its count and the connections it touched, not thousands of cards. Pure: the
// page's worker groups, the page draws the groups and asks for a group's occurrences when opened.
import type { Finding, Headline, Severity } from "./report";

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

export interface FindingGroup {
  /** "severity:id", unique in a report */
  key: string;
  id: string;
  severity: Severity;
  /** findings in the group (a folded finding, past FINDINGS_PER_ID of its id and severity, as the `count` it stands for) */
  count: number;
  /** distinct SMB connections the group's findings name (`connection`, `connections`; a folded finding's `groupConnections`) */
  connections: number;
  /** indexes into report.findings, in report order */
  occurrences: number[];
  /** the group holds the verdict's first cause (report.headline.causes[0]) */
  headlineCause: boolean;
}

/** The finding ids of each headline cause, in the verdict's order (most failed connections first). */
function causeRanks(h: Headline | undefined): Map<string, number> {
  const rank = new Map<string, number>();
  (h?.causes ?? []).forEach((c, i) => {
    for (const id of [c.findingId, ...(c.parts ?? []).map((p) => p.findingId)]) if (id && !rank.has(id)) rank.set(id, i);
  });
  return rank;
}

/**
 * Groups by severity, then id. Order: the group of the verdict's first cause first (it is what the
 * verdict line names), then errors, warnings, information; within a severity, the verdict's causes
 * in its order, then the larger groups, then report order.
 */
export function groupFindings(findings: readonly Finding[], headline?: Headline): FindingGroup[] {
  const groups = new Map<string, FindingGroup & { firstIndex: number; seen: Set<string> }>();
  findings.forEach((f, i) => {
    const key = `${f.severity}:${f.id}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, id: f.id, severity: f.severity, count: 0, connections: 0, occurrences: [], headlineCause: false, firstIndex: i, seen: new Set() }));
    g.count += f.count ?? 1;
    // (a folded finding lists at most GROUP_CONNECTIONS connections, and knows the group's in all)
    g.connections = Math.max(g.connections, f.groupConnections ?? 0);
    g.occurrences.push(i);
    for (const c of f.connection ? [f.connection, ...(f.connections ?? [])] : f.connections ?? []) g.seen.add(c);
  });
  const ranks = causeRanks(headline);
  const first = headline?.causes[0];
  const firstIds = new Set([first?.findingId, ...(first?.parts ?? []).map((p) => p.findingId)].filter((x): x is string => !!x));
  const list = [...groups.values()];
  // the verdict's first cause: among the groups with one of its ids, the most severe
  let cause: (typeof list)[number] | undefined;
  for (const g of list) {
    if (!firstIds.has(g.id)) continue;
    if (!cause || (SEVERITY_RANK[g.severity] ?? 3) < (SEVERITY_RANK[cause.severity] ?? 3)) cause = g;
  }
  if (cause) cause.headlineCause = true;
  const rank = (g: (typeof list)[number]) => ranks.get(g.id) ?? Infinity;
  list.sort((a, b) =>
    Number(b.headlineCause) - Number(a.headlineCause)
    || (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3)
    || rank(a) - rank(b)
    || b.count - a.count
    || a.firstIndex - b.firstIndex);
  return list.map(({ firstIndex: _f, seen, ...g }) => ({ ...g, connections: Math.max(g.connections, seen.size) }));
}
