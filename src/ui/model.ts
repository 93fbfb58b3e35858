// What the report views compute from a Report: ordering, filtering, summaries. Pure functions.
import type { Connection, Finding, KerberosRecord, Report, Severity } from "../core/report";
import { PHASE_LABELS } from "./format";
import { displayFilter, upgradeFilter } from "../core/filters";

const SEVERITY_RANK: Record<Severity, number> = { error: 0, warning: 1, info: 2 };
const OUTCOME_RANK: Record<string, number> = { failed: 0, "no-response": 1, incomplete: 2, ok: 3 };

/** Errors first, then warnings, then information; otherwise the report's order. */
export function sortFindings(f: Finding[]): Finding[] {
  return f.map((x, i) => [x, i] as const)
    .sort((a, b) => (SEVERITY_RANK[a[0].severity] ?? 3) - (SEVERITY_RANK[b[0].severity] ?? 3) || a[1] - b[1])
    .map(([x]) => x);
}

export type SortKey = "outcome" | "client" | "server" | "dialect" | "auth" | "shares" | "failed" | "first";
export interface SortState { key: SortKey; dir: 1 | -1 }
export const DEFAULT_SORT: SortState = { key: "outcome", dir: 1 };

/** Compares IPv4/IPv6 endpoints numerically where it can ("10.0.0.9:445" < "10.0.0.10:445"). */
export function compareEndpoints(a: string, b: string): number {
  return compareEndpointKeys(endpointKey(a), endpointKey(b));
}

/** Compares two endpointKey()s (a table of many rows parses each address once). */
export function compareEndpointKeys(pa: (number | string)[], pb: (number | string)[]): number {
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const x = pa[i], y = pb[i];
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    if (typeof x === "number" && typeof y === "number") { if (x !== y) return x - y; }
    else { const c = String(x).localeCompare(String(y)); if (c) return c; }
  }
  return 0;
}

/** An endpoint as its numbers and words: "10.0.0.9:445" → [10, 0, 0, 9, 445]. */
export function endpointKey(s: string): (number | string)[] {
  return s.split(/([.:\[\]])/).filter((p) => p && !/^[.:\[\]]$/.test(p)).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
}

export function sharesText(c: Connection): string {
  return c.shares.map((s) => s.path).join(", ");
}

/**
 * The client principal of a Kerberos record, "alice@CORP.EXAMPLE.TEST"; null when it names nobody:
 * the anonymous principal WELLKNOWN/ANONYMOUS (RFC 6112 §3), which Samba's KDC puts in the clear
 * part of its TGS-REPs (fixtures/krb-smb-ok.pcap frame 33, as tshark shows it).
 */
export function principalOf(k: KerberosRecord): string | null {
  if (!k.cname || /^WELLKNOWN\/ANONYMOUS$/i.test(k.cname)) return null;
  return k.realm && !k.realm.startsWith("<") ? `${k.cname}@${k.realm}` : k.cname;
}

const shownConnections = new WeakMap<Report, Connection[]>();

/**
 * The connections as the tables show them: a Kerberos session carries no user name in SMB (the
 * ticket is encrypted), so its user is the client principal of the Kerberos exchanges that served
 * it (report.kerberos[].connection). Filtering and sorting then find it too.
 */
export function connectionsShown(r: Report): Connection[] {
  let list = shownConnections.get(r);
  if (list) return list;
  const principal = kerberosPrincipals(r);
  list = r.connections.map((c) => shownConnection(c, principal));
  shownConnections.set(r, list);
  return list;
}

/** The client principal of the Kerberos exchanges that served each connection (by connection id; `only` those). */
export function kerberosPrincipals(r: Report, only?: Set<string>): Map<string, string> {
  const principal = new Map<string, string>();
  for (const k of r.kerberos) {
    if (only && (!k.connection || !only.has(k.connection))) continue;
    const p = principalOf(k);
    if (p && k.connection && !principal.has(k.connection)) principal.set(k.connection, p);
  }
  return principal;
}

/** One connection as the tables show it (see connectionsShown). */
export function shownConnection(c: Connection, principal: Map<string, string>): Connection {
  return c.auth === "kerberos" && !c.user && principal.has(c.id) ? { ...c, user: principal.get(c.id)! } : c;
}

/**
 * What the Kerberos table says of an error: "normal" for pre-authentication, "cause" where an
 * error finding cites it (KDC_ERR_S_PRINCIPAL_UNKNOWN behind a failed session), "not SMB-related"
 * for an exchange that served no SMB connection. Null for a record without an error.
 */
export function kerberosMark(k: KerberosRecord, findings: Finding[]): { text: string; tone: Severity; title: string } | null {
  if (!k.error) return null;
  if (k.expected) return { text: "normal", tone: "info", title: "A normal part of Kerberos pre-authentication (RFC 4120 §3.1.1), not a cause" };
  const cited = sortFindings(findings.filter((f) => f.frames.includes(k.frame) && f.id !== "KERBEROS_PREAUTH_NORMAL"))[0];
  if (cited?.severity === "error") return { text: "cause", tone: "error", title: cited.title };
  if (!k.connection) return { text: "not SMB-related", tone: "info", title: cited?.title ?? "This exchange served no SMB connection in the capture" };
  return { text: cited?.severity === "warning" ? "warning" : "error", tone: "warning", title: cited?.title ?? k.error };
}

export function authText(c: Pick<Connection, "auth" | "user">): string {
  const a = c.auth ? c.auth.toUpperCase().replace("KERBEROS", "Kerberos").replace("ANONYMOUS", "anonymous").replace("GUEST", "guest") : "";
  return [a, c.user ?? ""].filter(Boolean).join(" ");
}

export function failedText(c: Connection): string {
  if (!c.failedPhase && !c.status) return "";
  return [c.failedPhase ? PHASE_LABELS[c.failedPhase] ?? c.failedPhase : "", c.status ?? (c.outcome === "no-response" ? "no response" : "")]
    .filter(Boolean).join(" · ");
}

function keyOf(c: Connection, k: SortKey): string | number {
  switch (k) {
    case "outcome": return OUTCOME_RANK[c.outcome] ?? 9;
    case "client": return c.client;
    case "server": return c.server;
    case "dialect": return c.dialect ?? "";
    case "auth": return authText(c);
    case "shares": return sharesText(c);
    case "failed": return failedText(c);
    case "first": return c.firstFrame;
  }
}

/** Sorted copy; ties keep frame order. The default puts failures first. */
export function sortConnections(list: Connection[], s: SortState = DEFAULT_SORT): Connection[] {
  return [...list].sort((a, b) => {
    const x = keyOf(a, s.key), y = keyOf(b, s.key);
    let c: number;
    if (typeof x === "number" && typeof y === "number") c = x - y;
    else if (s.key === "client" || s.key === "server") c = compareEndpoints(String(x), String(y));
    else c = String(x).localeCompare(String(y));
    if (c === 0) c = a.firstFrame - b.firstFrame;
    return c * s.dir;
  });
}

/** Clicking a column: same column flips the direction, another starts ascending. */
export function nextSort(cur: SortState, key: SortKey): SortState {
  return cur.key === key ? { key, dir: cur.dir === 1 ? -1 : 1 } : { key, dir: 1 };
}

export type OutcomeFilter = "all" | "problems" | "ok";

/** Text filter over every visible column (case-insensitive, all words must match) + outcome. */
export function filterConnections(list: Connection[], text: string, outcome: OutcomeFilter = "all"): Connection[] {
  const words = text.toLowerCase().split(/\s+/).filter(Boolean);
  return list.filter((c) => {
    if (outcome === "problems" && c.outcome === "ok") return false;
    if (outcome === "ok" && c.outcome !== "ok") return false;
    if (!words.length) return true;
    const hay = [c.client, c.server, c.dialect ?? "", authText(c), sharesText(c), c.outcome, failedText(c), c.findings.join(" "), `stream ${c.stream}`]
      .join(" ").toLowerCase();
    return words.every((w) => hay.includes(w));
  });
}

export function findingCounts(r: Report): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of r.findings) n[f.severity] = (n[f.severity] ?? 0) + 1;
  return n;
}

export type Tone = Severity | "ok" | "none";

/**
 * The overall tone of a report: its worst finding; "none" when there was nothing to diagnose (no
 * SMB connection, no Kerberos exchange: an empty capture, or one of other traffic), which is not
 * the same as "ok" (connections that set up fine).
 */
export function reportTone(r: Report): Tone {
  const n = findingCounts(r);
  if (r.capture.error && r.capture.packets === 0) return "error";
  if (n.error) return "error";
  if (n.warning) return "warning";
  if (r.connections.length === 0 && r.kerberos.length === 0 && !r.quic?.length) return "none";
  return r.connections.some((c) => c.outcome !== "ok") ? "warning" : "ok";
}

/** The words for each tone, wherever a report is shown (the page, the Markdown export). */
export const TONE_LABELS: Record<Tone, string> = {
  error: "Problem found", warning: "Needs attention", info: "Information", ok: "No problem found", none: "Nothing to diagnose",
};

/** What the report says when it has no findings. */
export function noFindingsText(r: Report, tone: Tone = reportTone(r)): string {
  return tone === "none" ? "Nothing to diagnose: no SMB connection and no Kerberos exchange in this capture." : "No problems found in the SMB connection setup.";
}

/**
 * The capture summary's statement about SMB: only for a capture without SMB connections, with the
 * busiest ports it does hold (report.capture.topPorts).
 */
export function noSmbText(r: Report): { text: string; ports: string[]; hint: string } | null {
  if (r.connections.length) return null;
  const ports = r.capture.topPorts ?? [];
  if (r.quic?.length) {
    const n = r.quic.length === 1 ? "1 connection" : `${r.quic.length} connections`;
    return { text: `No SMB over TCP in this capture, but SMB over QUIC: ${n} (UDP, encrypted inside; see the findings).${ports.length ? " Busiest ports:" : ""}`, ports, hint: "" };
  }
  return {
    text: r.capture.packets === 0 ? "No SMB connection: the capture holds no packets." : `No SMB connection in this capture.${ports.length ? " Busiest ports:" : " No TCP/UDP traffic either."}`,
    ports,
    hint: ports.length ? "Was the capture taken on the client or the file server, while the failure happened? SMB uses TCP 445 (or 139 with NetBIOS), Kerberos 88." : "",
  };
}

/** The connection to show in the ladder first: the first failure, else the first connection. */
export function defaultConnection(r: Report): Connection | null {
  return sortConnections(r.connections)[0] ?? null;
}

/** A report that only says the file could not be read (nothing else to show). */
export function isUnusable(r: Report): boolean {
  return !!r.capture.error && r.capture.packets === 0 && r.connections.length === 0;
}

export interface FindingFilters {
  /** exactly the finding's evidence frames ("" without frames) */
  frames: string;
  /** its connection's stream ("" without a connection) */
  stream: string;
  /** the finding's own filter, when it says more than the other two */
  extra: string;
}

/** The Wireshark filters shown with a finding (the page and the Markdown export show the same). */
export function findingFilters(f: Finding, conn?: { stream: number } | null): FindingFilters {
  const frames = displayFilter({ frames: f.frames });
  const stream = conn ? displayFilter({ stream: conn.stream }) : "";
  const own = f.filter ? upgradeFilter(f.filter) : ""; // a Report from history may predate Wireshark 4.0's syntax
  const extra = own && own !== frames && own !== stream ? own : "";
  return { frames, stream, extra };
}
