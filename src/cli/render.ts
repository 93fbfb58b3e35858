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

export function renderText(r: Report, color: boolean): string {
  const out: string[] = [];
  // the one way text gets into the output: escaped, then coloured
  const put = (...parts: (string | Styled)[]) => {
    out.push(parts.map((p) => typeof p === "string" ? safe(p) : color ? `\x1b[${p.style}m${safe(p.text)}\x1b[0m` : safe(p.text)).join(""));
  };
  const c = (style: string, text: string): Styled => ({ style, text });
  const sev = { error: c("1;31", "ERROR"), warning: c("1;33", "WARN "), info: c("36", "INFO ") };
  const cap = r.capture;
  const unusable = !!cap.error && cap.packets === 0;
  put(c("1", cap.file), `  ${cap.format}, ${cap.linkTypes.join("/") || "no interfaces"}, ${count(cap.packets)} packets${cap.start ? `, ${cap.start} → ${cap.end}` : ""}`);
  put("");
  put(c("1", r.verdict)); // for an unusable file, the verdict is its error
  if (cap.error && !unusable) put(c("31", `  ${cap.error}`));
  for (const w of cap.warnings.slice(0, 10)) put(c("33", `  warning: ${w}`));
  // one card per finding group (core/groupListing.ts: severity and id, the verdict's cause first),
  // its first finding whole, its other occurrences a line each
  const groups = groupListings(r, TEXT_LINES);
  const conn = connectionsNamed(r, groups);
  for (const g of groups) {
    const f = g.first, many = g.findings > 1 || g.connections > 1;
    put("");
    put(sev[f.severity], " ", c("1", f.title), `  [${f.id}]`, ...(many ? [c("1", `  ${timesText(g.findings, g.connections)}`)] : []));
    // the explanation's own line breaks start list items ("\n- "); any other line feed came
    // from a name in the capture and is shown escaped, so no name can start a line of its own
    for (const line of f.explanation.split(/\n(?=- )/)) for (const l of wrap(safe(line), 100, "      ")) put(l);
    if (f.frames.length) put(`      evidence: frame${f.frames.length > 1 ? "s" : ""} ${f.frames.join(", ")}${f.filter ? `   (Wireshark filter: ${f.filter})` : ""}`);
    // (in a group, which connection the text above is about: the lines below name the others)
    const own = many && f.connection ? conn.get(f.connection) : undefined;
    const ownFilter = own ? displayFilter({ stream: own.stream }) : "";
    if (own) put(`      connection: ${connectionText(own, f.connection!)}${ownFilter && ownFilter !== f.filter ? `   (Wireshark filter: ${ownFilter})` : ""}`);
    if (f.severity !== "info" || f.remediation.length > 1) {
      put("      what to do:");
      for (const step of f.remediation) for (const l of wrap(safe(`- ${step}`), 100, "        ", "      ")) put(l);
    }
    if (f.references?.length) put(c("2", `      see: ${f.references.join("; ")}`));
    if (g.lines.length) {
      put("      also:");
      for (const l of g.lines) put(`        ${lineText(l, f, conn)}`);
    }
    const more = moreText(g);
    if (more) put(`        ${more}`);
  }
  if (r.connections.length) {
    put("");
    put(c("1", "Connections"));
    const rows = [["stream", "client", "server", "dialect", "auth/user", "outcome", "failed at", "status", "shares"]];
    for (const x of r.connections) {
      rows.push([
        String(x.stream), x.client, x.server, x.dialect ?? "-",
        [x.auth, x.user].filter(Boolean).join(" ") || "-",
        x.outcome, x.failedPhase ?? "-", x.status ?? "-",
        x.shares.map((s) => `${s.path}${s.status && s.status !== "STATUS_SUCCESS" ? ` (${s.status})` : ""}`).join(", ") || "-",
      ].map(safe)); // escaped before the columns are measured
    }
    // (a loop, not Math.max(...): a scan's report has 200,000 rows, more than a call takes arguments)
    const widths = rows[0].map(() => 0);
    for (const row of rows) for (let i = 0; i < row.length; i++) widths[i] = Math.min(40, Math.max(widths[i], row[i].length));
    for (const [i, row] of rows.entries()) {
      const line = row.map((cell, k) => (k === row.length - 1 ? cell : cell.padEnd(widths[k]))).join("  ");
      if (i === 0) put(c("2", line));
      else if (row[5] === "ok") put(line);
      else put(c(row[5] === "incomplete" ? "33" : "31", line));
    }
  }
  // who is talking: one line per host whose NTLM VERSION names its system (MS-NLMP 2.2.2.10)
  const systems = new Map<string, string>();
  for (const x of r.connections) {
    if (x.clientOs) systems.set(hostOf(x.client), x.clientOs.name);
    if (x.serverOs) systems.set(hostOf(x.server), x.serverOs.name);
  }
  if (systems.size) {
    put("");
    put(c("1", "Systems (from the NTLM VERSION field)"));
    for (const [h, name] of [...systems].slice(0, 40)) put(`  ${h}  ${name}`); // (put escapes capture text)
  }
  // SMB3 decryption (--password-file, --session-key): each encrypted session, the kind of secret, never the secret
  const decrypted = r.connections.flatMap((x) => (x.decryption?.sessions ?? []).map((d) => ({ x, d })));
  if (decrypted.length) {
    put("");
    put(c("1", "Decryption"));
    const words = { decrypted: "decrypted", "wrong-secret": "wrong secret", "no-secret": "no secret for it", unsupported: "not decrypted" } as const;
    for (const { x, d } of decrypted.slice(0, 40)) {
      put(`  stream ${x.stream}  session ${d.sessionId}${d.user ? ` ${d.user}` : ""}  ${words[d.result]}${d.secret ? ` (${d.secret})` : ""}${d.result === "decrypted" ? `, ${d.decrypted} message${d.decrypted === 1 ? "" : "s"}` : ""}${d.why ? `: ${d.why}` : ""}`);
    }
    if (decrypted.length > 40) put(`  … ${decrypted.length - 40} more`);
  }
  if (r.kerberos.length) {
    put("");
    put(c("1", "Kerberos"));
    for (const k of r.kerberos.slice(0, 40)) {
      put(`  frame ${String(k.frame).padEnd(6)} ${k.transport} ${k.client} ${k.message === "KRB-ERROR" || k.message.endsWith("REP") ? "←" : "→"} ${k.kdc}  ${k.message.padEnd(9)} ${k.service ?? ""}${k.error ? `  ${k.error}${k.expected ? " (normal)" : ""}` : ""}`);
    }
    if (r.kerberos.length > 40) put(`  … ${r.kerberos.length - 40} more`);
  }
  return out.join("\n");
}

type Named = Pick<Connection, "stream" | "client" | "server">;

/** The connections the groups' cards name (their first findings' and lines'), from one walk of the records. */
function connectionsNamed(r: Report, groups: readonly GroupListing[]): Map<string, Named> {
  const ids = new Set<string>();
  for (const g of groups) {
    if (g.first.connection) ids.add(g.first.connection);
    for (const l of g.lines) if (l.connection) ids.add(l.connection);
  }
  const out = new Map<string, Named>();
  if (ids.size) for (const x of r.connections) if (ids.has(x.id) && !out.has(x.id)) out.set(x.id, x);
  return out;
}

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
