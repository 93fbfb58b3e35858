// The readable report for a terminal: verdict first, then findings with evidence and
// remediation, then the connection table. Colour only when the output is a terminal.
//
// Findings and tables embed the capture's own names, so every piece of text is passed through
// terminalSafe (terminalText.ts) here, before the colour codes wrap it: those codes are then the
// only escape sequences in the output.
import type { Connection, Finding, Report } from "../core/report";
import { groupCount as count, groupListings, lineFrames, moreText, timesText, type GroupLine, type GroupListing } from "../core/groupListing";
import { displayFilter } from "../core/filters";
import { terminalSafe as safe } from "./terminalText";

/** A finding group lists this many of its occurrences after its first, then says how many more (--json has them). */
export const TEXT_LINES = 10;

/** A piece of a line in one SGR style (only when colour is on) */
interface Styled { style: string; text: string }

/** The readable report of `r`, whose connection records are in r.connections (tests; a Report without a sink). */
export function renderText(r: Report, color: boolean): string {
  return [...renderTextLines(r, rowsOf(r.connections), color)].join("\n");
}

/**
 * What the text view reads of a connection's record: its row of the table, the names its cards
 * give it, the systems and decrypted sessions listed below the table. The CLI keeps only this of
 * each record (textRows.ts): a capture of 1,000,000 SMB connections is read back a row at a time.
 */
export type TextRow = Pick<Connection, "id" | "stream" | "client" | "server" | "dialect" | "auth" | "user" | "outcome" | "failedPhase" | "status"> & {
  shares: Pick<Connection["shares"][number], "path" | "status">[];
  clientOs?: { name: string } | null;
  serverOs?: { name: string } | null;
  decryption?: Connection["decryption"];
};

/** The rows of a Report's connections, in Report order: each walk reads them all again (from memory, or from the CLI's temporary file). */
export interface TextRows {
  readonly count: number;
  rows(): Iterable<TextRow>;
}

/** The rows of records in memory (a Connection is a TextRow). */
export const rowsOf = (connections: readonly Connection[]): TextRows => ({ count: connections.length, rows: () => connections });

/** A record's TextRow: its fields the text view reads, nothing more (what textRows.ts keeps of it). */
export function textRow(x: Connection): TextRow {
  const row: TextRow = {
    id: x.id, stream: x.stream, client: x.client, server: x.server, dialect: x.dialect, auth: x.auth, user: x.user,
    outcome: x.outcome, failedPhase: x.failedPhase, status: x.status, shares: x.shares.map((s) => ({ path: s.path, status: s.status })),
  };
  if (x.clientOs) row.clientOs = { name: x.clientOs.name };
  if (x.serverOs) row.serverOs = { name: x.serverOs.name };
  if (x.decryption) row.decryption = x.decryption;
  return row;
}

/** The table's columns */
const TABLE_HEAD = ["stream", "client", "server", "dialect", "auth/user", "outcome", "failed at", "status", "shares"];
/** A column is as wide as its widest cell, up to this */
const MAX_WIDTH = 40;
/** Lines the Systems and Decryption lists show */
const LIST_LINES = 40;

/** A row's cells in the table, escaped (before the columns are measured). */
const cellsOf = (x: TextRow): string[] => [
  String(x.stream), x.client, x.server, x.dialect ?? "-",
  [x.auth, x.user].filter(Boolean).join(" ") || "-",
  x.outcome, x.failedPhase ?? "-", x.status ?? "-",
  x.shares.map((s) => `${s.path}${s.status && s.status !== "STATUS_SUCCESS" ? ` (${s.status})` : ""}`).join(", ") || "-",
].map(safe);

/**
 * The readable report, a line at a time (without line feeds): the connection rows are walked
 * twice, once for what the cards name and the columns' widths (and the lists below the table),
 * once for the table, so that nothing of them is held but the few the cards and lists show.
 */
/** What the text reads of the Kerberos records: how many, and the first few (Report.kerberos, or the CLI's list that makes them when read, model/kerberos.ts KerberosRecords). */
export type TextKerberos = Pick<Report["kerberos"], "length" | "slice">;

export function* renderTextLines(r: Omit<Report, "kerberos"> & { kerberos: TextKerberos }, table: TextRows, color: boolean): Generator<string> {
  // the one way text gets into the output: escaped, then coloured
  const line = (...parts: (string | Styled)[]) =>
    parts.map((p) => typeof p === "string" ? safe(p) : color ? `\x1b[${p.style}m${safe(p.text)}\x1b[0m` : safe(p.text)).join("");
  const c = (style: string, text: string): Styled => ({ style, text });
  const sev = { error: c("1;31", "ERROR"), warning: c("1;33", "WARN "), info: c("36", "INFO ") };
  const cap = r.capture;
  const unusable = !!cap.error && cap.packets === 0;
  yield line(c("1", cap.file), `  ${cap.format}, ${cap.linkTypes.join("/") || "no interfaces"}, ${count(cap.packets)} packets${cap.start ? `, ${cap.start} → ${cap.end}` : ""}`);
  yield "";
  yield line(c("1", r.verdict)); // for an unusable file, the verdict is its error
  if (cap.error && !unusable) yield line(c("31", `  ${cap.error}`));
  for (const w of cap.warnings.slice(0, 10)) yield line(c("33", `  warning: ${w}`));
  // one card per finding group (core/groupListing.ts: severity and id, the verdict's cause first),
  // its first finding whole, its other occurrences a line each
  const groups = groupListings(r, TEXT_LINES);
  const { conn, widths, systems, decrypted, decryptedCount } = firstWalk(table, groups);
  for (const g of groups) {
    const f = g.first, many = g.findings > 1 || g.connections > 1;
    yield "";
    yield line(sev[f.severity], " ", c("1", f.title), `  [${f.id}]`, ...(many ? [c("1", `  ${timesText(g.findings, g.connections)}`)] : []));
    // the explanation's own line breaks start list items ("\n- "); any other line feed came
    // from a name in the capture and is shown escaped, so no name can start a line of its own
    for (const part of f.explanation.split(/\n(?=- )/)) for (const l of wrap(safe(part), 100, "      ")) yield line(l);
    if (f.frames.length) yield line(`      evidence: frame${f.frames.length > 1 ? "s" : ""} ${f.frames.join(", ")}${f.filter ? `   (Wireshark filter: ${f.filter})` : ""}`);
    // (in a group, which connection the text above is about: the lines below name the others)
    const own = many && f.connection ? conn.get(f.connection) : undefined;
    const ownFilter = own ? displayFilter({ stream: own.stream }) : "";
    if (own) yield line(`      connection: ${connectionText(own, f.connection!)}${ownFilter && ownFilter !== f.filter ? `   (Wireshark filter: ${ownFilter})` : ""}`);
    if (f.severity !== "info" || f.remediation.length > 1) {
      yield line("      what to do:");
      for (const step of f.remediation) for (const l of wrap(safe(`- ${step}`), 100, "        ", "      ")) yield line(l);
    }
    if (f.references?.length) yield line(c("2", `      see: ${f.references.join("; ")}`));
    if (g.lines.length) {
      yield line("      also:");
      for (const l of g.lines) yield line(`        ${lineText(l, f, conn)}`);
    }
    const more = moreText(g);
    if (more) yield line(`        ${more}`);
  }
  if (table.count) {
    yield "";
    yield line(c("1", "Connections"));
    const padded = (row: string[]) => row.map((cell, k) => (k === row.length - 1 ? cell : cell.padEnd(widths[k]))).join("  ");
    yield line(c("2", padded(TABLE_HEAD.map(safe))));
    for (const x of table.rows()) {
      const row = cellsOf(x), text = padded(row);
      if (row[5] === "ok") yield line(text);
      else yield line(c(row[5] === "incomplete" ? "33" : "31", text));
    }
  }
  // who is talking: one line per host whose NTLM VERSION names its system (MS-NLMP 2.2.2.10)
  if (systems.size) {
    yield "";
    yield line(c("1", "Systems (from the NTLM VERSION field)"));
    for (const [h, name] of systems) yield line(`  ${h}  ${name}`); // (line escapes capture text)
  }
  // SMB3 decryption (--password-file, --session-key): each encrypted session, the kind of secret, never the secret
  if (decryptedCount) {
    yield "";
    yield line(c("1", "Decryption"));
    const words = { decrypted: "decrypted", "wrong-secret": "wrong secret", "no-secret": "no secret for it", unsupported: "not decrypted" } as const;
    for (const { x, d } of decrypted) {
      yield line(`  stream ${x.stream}  session ${d.sessionId}${d.user ? ` ${d.user}` : ""}  ${words[d.result]}${d.secret ? ` (${d.secret})` : ""}${d.result === "decrypted" ? `, ${d.decrypted} message${d.decrypted === 1 ? "" : "s"}` : ""}${d.why ? `: ${d.why}` : ""}`);
    }
    if (decryptedCount > LIST_LINES) yield line(`  … ${decryptedCount - LIST_LINES} more`);
  }
  if (r.kerberos.length) {
    yield "";
    yield line(c("1", "Kerberos"));
    for (const k of r.kerberos.slice(0, LIST_LINES)) {
      yield line(`  frame ${String(k.frame).padEnd(6)} ${k.transport} ${k.client} ${k.message === "KRB-ERROR" || k.message.endsWith("REP") ? "←" : "→"} ${k.kdc}  ${k.message.padEnd(9)} ${k.service ?? ""}${k.error ? `  ${k.error}${k.expected ? " (normal)" : ""}` : ""}`);
    }
    if (r.kerberos.length > LIST_LINES) yield line(`  … ${r.kerberos.length - LIST_LINES} more`);
  }
}

type Decrypted = { x: Pick<TextRow, "stream">; d: NonNullable<TextRow["decryption"]>["sessions"][number] };

/**
 * One walk of the rows, in Report order, for what comes before the table or needs all of it: the
 * connections the groups' cards name (the first row of each id), the columns' widths, the first
 * LIST_LINES hosts whose system the NTLM VERSION names (each with the last name a row gave it),
 * and the first LIST_LINES decrypted sessions with the count of all.
 */
function firstWalk(table: TextRows, groups: readonly GroupListing[]) {
  const ids = new Set<string>();
  for (const g of groups) {
    if (g.first.connection) ids.add(g.first.connection);
    for (const l of g.lines) if (l.connection) ids.add(l.connection);
  }
  const conn = new Map<string, Named>();
  const widths = TABLE_HEAD.map((h) => Math.min(MAX_WIDTH, safe(h).length));
  const systems = new Map<string, string>();
  // a host shown keeps its first place and takes the last name given; past LIST_LINES hosts, no new one shows
  const system = (ep: string, name: string) => { const h = hostOf(ep); if (systems.size < LIST_LINES || systems.has(h)) systems.set(h, name); };
  const decrypted: Decrypted[] = [];
  let decryptedCount = 0;
  if (table.count) for (const x of table.rows()) {
    if (ids.has(x.id) && !conn.has(x.id)) conn.set(x.id, { stream: x.stream, client: x.client, server: x.server });
    const row = cellsOf(x);
    for (let i = 0; i < row.length; i++) widths[i] = Math.min(MAX_WIDTH, Math.max(widths[i], row[i].length));
    if (x.clientOs) system(x.client, x.clientOs.name);
    if (x.serverOs) system(x.server, x.serverOs.name);
    for (const d of x.decryption?.sessions ?? []) if (decryptedCount++ < LIST_LINES) decrypted.push({ x: { stream: x.stream }, d });
  }
  return { conn, widths, systems, decrypted, decryptedCount };
}

type Named = Pick<Connection, "stream" | "client" | "server">;

/** "stream 3  10.0.0.5:49712 → 10.0.0.1:445" (the id itself for a connection without a record) */
function connectionText(x: Named | undefined, id: string): string {
  return x ? `stream ${x.stream}  ${x.client} → ${x.server}` : id;
}

/** One occurrence on a line: its connection (or how many it names), its frames, the Wireshark filter to see it, its title where it differs from the first's. */
function lineText(l: GroupLine, first: Finding, conn: Map<string, Named>): string {
  const f = l.finding, x = l.connection ? conn.get(l.connection) : undefined;
  const parts: string[] = [];
  if (l.connection) parts.push(connectionText(x, l.connection));
  else if (f?.connections?.length) parts.push(`on ${count(f.connections.length)} connections`);
  if (f?.frames.length) parts.push(lineFrames(f.frames));
  // (the stream opens the occurrence; without one, the finding's own filter or its frames)
  const filter = x ? displayFilter({ stream: x.stream }) : f ? f.filter ?? displayFilter({ frames: f.frames }) : "";
  if (filter) parts.push(`(${filter})`);
  if (f && f.title !== first.title) parts.push(`— ${f.title}`);
  return parts.join("  ");
}

/** Lines of at most `width` characters (unless one word is longer), split at spaces. */
function wrap(text: string, width: number, indent: string, firstIndent = indent): string[] {
  const words = text.split(" ");
  const lines: string[] = [];
  let cur = firstIndent;
  for (const w of words) {
    if (cur.trim().length && cur.length + w.length + 1 > width) { lines.push(cur); cur = indent + w; }
    else cur += (cur.trim().length ? " " : "") + w;
  }
  lines.push(cur);
  return lines;
}

/** The address part of "a.b.c.d:port" or "[v6]:port". */
const hostOf = (ep: string) => ep.replace(/^\[(.*)\]:\d+$/, "$1").replace(/^([^:\[\]]+):\d+$/, "$1");
