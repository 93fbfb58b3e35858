// The report as Markdown (for a ticket or an e-mail). Every string that comes from the capture is
// escaped, so a share name or user name cannot inject markup or break a table.
import type { Connection, Finding, KerberosRecord, Report } from "../core/report";
import { groupListings, lineFrames, moreText, timesText, type GroupLine } from "../core/groupListing";
import { formatBytes, formatCount, formatDuration, spanMs, splitCode, OUTCOME_LABELS, PHASE_LABELS } from "./format";
import { sortConnections, authText, connectionsShown, failedText, findingFilters, kerberosMark, noFindingsText, noSmbText, principalOf, reportTone, TONE_LABELS, type Tone } from "./model";
import { displayFilter } from "../core/filters";

// What capture text could turn into in rendered Markdown (CommonMark + GitHub's extensions) and
// how mdEscape stops it, without backslashes in plain words (TREE_CONNECT, DOMAIN\user, fe80::1):
//   anywhere       ` code, * and _ emphasis (not _ inside a word), ~ strikethrough, [ ] links,
//                  | table cells, < > HTML and autolinks (as entities), &name; entities, a \ that
//                  would escape what follows, line breaks (become spaces), GitHub's bare links
//                  (www., http://, ftp://, mailto:); an e-mail-like name (alice@corp.example) is
//                  shown as code: GitHub links it whatever is escaped in it
//   at the start   # heading, - + list, 1. list, === / --- heading or rule, 4 spaces code
const LINE_BREAK = /\r\n|[\r\n\u2028\u2029]/g;
const INLINE = /[`*~[\]|<>]|\\(?=[!-\/:-@[-`{-~]|$)|&(?=#?\w+;)|(?<![\p{L}\p{N}])_|_(?![\p{L}\p{N}])|(?<=\b(?:https?|ftp)):(?=\/\/)|(?<=\b(?:mailto|xmpp)):|(?<=(?:^|[^\p{L}\p{N}])www)\./giu;
const ENTITY: Record<string, string> = { "<": "&lt;", ">": "&gt;", "&": "&amp;" };
/** GitHub's e-mail autolink: local part, @, dotted domain (GitHub Flavored Markdown 6.9) */
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;

/**
 * Capture text as Markdown that renders as that text: no markup, link, HTML or table break.
 * `lineStart`: the text may begin a line (false for a piece that follows other text on its line).
 */
export function mdEscape(s: string, lineStart = true): string {
  const t = String(s).replace(LINE_BREAK, " ");
  const inline = (x: string) => x.replace(INLINE, (c) => ENTITY[c] ?? `\\${c}`);
  let out = "", last = 0;
  for (const m of t.matchAll(EMAIL)) {
    out += `${inline(t.slice(last, m.index))}\`${m[0]}\``;
    last = m.index + m[0].length;
  }
  out += inline(t.slice(last));
  if (!lineStart) return out;
  return out
    .replace(/^[ \t]/, "&#32;") // no indented code block
    .replace(/^(#{1,6}|[-+])(?=[ \t]|$)/, "\\$1") // heading, bullet
    .replace(/^(\d{1,9})([.)])(?=[ \t]|$)/, "$1\\$2") // numbered list
    .replace(/^([=-])(?=[=-]*[ \t]*$)/, "\\$1") // setext underline, rule
    .replace(/([ \t])(#+[ \t]*)$/, "$1\\$2"); // a heading's closing #s
}

/** Inline code; backticks inside are handled by a longer fence. */
export function mdCode(s: string): string {
  const t = String(s).replace(LINE_BREAK, " ");
  const runs = t.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** A table cell: escaped (pipes never break the row), never empty. */
function cell(s: string): string { return mdEscape(s) || " "; }

/** Remediation text keeps its `commands` as code (split as the page splits them), the rest escaped. */
function mdRemediation(s: string): string {
  return splitCode(s).map((p, i) => (p.code ? mdCode(p.text) : mdEscape(p.text, i === 0))).join("");
}

/** What the Markdown export reads (see markdownParts): a Report, or the worker's index of one whose connections stay columns. */
export interface MarkdownSource {
  /** the Report; its `connections` are not read (the fields below give them) */
  report: Report;
  tone: Tone;
  noSmb: ReturnType<typeof noSmbText>;
  noFindings: string;
  connectionCount: number;
  /** the connection a finding names (its stream, client and server) */
  connection(id: string): Pick<Connection, "stream" | "client" | "server"> | undefined;
  /** every connection as the table shows it, in the table's default order (failures first, then by frame) */
  tableRows(): Iterable<Omit<Connection, "phases" | "ladder">>;
  /** the connections that did not set up, with their phases, in the same order */
  failing(): Iterable<Pick<Connection, "stream" | "client" | "server" | "phases">>;
  /** what the Kerberos table says of a message's error (kerberosMark) */
  mark(k: KerberosRecord): ReturnType<typeof kerberosMark>;
}

/** A Report with its connections as objects, as markdownParts reads it. */
export function reportSource(r: Report): MarkdownSource {
  const tone = reportTone(r);
  let byId: Map<string, Connection> | null = null;
  return {
    report: r, tone, noSmb: noSmbText(r), noFindings: noFindingsText(r, tone), connectionCount: r.connections.length,
    // (the first of an id, indexed once: a search of the list per finding is findings × connections)
    connection: (id) => {
      if (!byId) { byId = new Map(); for (const x of r.connections) if (!byId.has(x.id)) byId.set(x.id, x); }
      return byId.get(id);
    },
    tableRows: () => sortConnections(connectionsShown(r)),
    failing: () => sortConnections(r.connections).filter((y) => y.outcome !== "ok"),
    mark: (k) => kerberosMark(k, r.findings),
  };
}

/** A finding group lists this many of its occurrences after its first, then says how many more. */
export const MARKDOWN_LINES = 20;

/** One occurrence on a line: its connection (or how many it names), its frames, the Wireshark filter to see it, its title where it differs from the first's. */
function lineMarkdown(l: GroupLine, first: Finding, src: MarkdownSource, once: (t: string, f: (t: string) => string) => string): string {
  const f = l.finding, x = l.connection ? src.connection(l.connection) : undefined;
  const parts: string[] = [];
  if (x) parts.push(`stream ${x.stream}: ${mdEscape(x.client, false)} → ${mdEscape(x.server, false)}`);
  else if (l.connection) parts.push(mdEscape(l.connection, false));
  else if (f?.connections?.length) parts.push(`on ${formatCount(f.connections.length)} connections`);
  if (f?.frames.length) parts.push(lineFrames(f.frames));
  // (the stream opens the occurrence; without one, the finding's own filter or its frames)
  const fl = f ? findingFilters(f, x) : null;
  const filter = x ? displayFilter({ stream: x.stream }) : fl ? fl.extra || fl.frames : "";
  let text = parts.join(", ");
  if (filter) text += ` (${mdCode(filter)})`;
  if (f && f.title !== first.title) text += ` — ${once(f.title, (t) => mdEscape(t, false))}`;
  return text;
}

/** Blob parts are joined from lines up to about this many characters. */
const PART_CHARS = 1 << 20;

/**
 * The report as Markdown, as strings of about PART_CHARS each (joined, the whole text): a line at a
 * time, the connections read one after the other (100,000 of them from the worker's columns are
 * ~20 MB of Markdown: never one string, nor every connection as an object at once).
 */
export function* markdownParts(src: MarkdownSource): Generator<string> {
  const r = src.report;
  const c = r.capture;
  let buf = "", first = true;
  // (the lines joined by "\n", without one after the last)
  const line = (...xs: string[]) => { for (const x of xs) { buf += first ? x : `\n${x}`; first = false; } };
  const L = { push: line };
  L.push(`# smbscope report: ${mdEscape(c.file)}`, "");
  L.push(`**Verdict:** ${TONE_LABELS[src.tone]} — ${mdEscape(r.verdict)}`, "");
  L.push("## Capture", "");
  L.push(`- Format: ${mdEscape(c.format)}; link types: ${mdEscape(c.linkTypes.join(", ") || "none")}`);
  L.push(`- Packets: ${formatCount(c.packets)}; size: ${formatBytes(c.bytes)}`);
  if (c.start) L.push(`- Time: ${mdEscape(c.start)} → ${mdEscape(c.end ?? "?")} (${formatDuration(spanMs(c.start, c.end))})`);
  if (c.error) L.push(`- Error: ${mdEscape(c.error)}`);
  for (const w of c.warnings) L.push(`- Warning: ${mdEscape(w)}`);
  const noSmb = src.noSmb;
  if (noSmb) L.push(`- SMB: ${mdEscape(noSmb.text)}${noSmb.ports.length ? ` ${mdEscape(noSmb.ports.join(", "))}. ${mdEscape(noSmb.hint)}` : ""}`);
  L.push("");

  // one entry per finding group (core/groupListing.ts: severity and id, the verdict's cause first),
  // its first finding whole, its other occurrences a line each
  const groups = groupListings(r, MARKDOWN_LINES);
  const all = groups.reduce((n, g) => n + g.findings, 0);
  L.push(`## Findings (${groups.length}${all !== groups.length ? `; ${formatCount(all)} in all` : ""})`, "");
  if (!groups.length) L.push(src.noFindings, "");
  // the texts findings of one kind share (a title, an explanation, what to do: 83,000 findings of
  // 36 kinds), escaped once each; bounded, as the texts that name a connection are all distinct
  const escaped = new Map<(t: string) => string, Map<string, string>>();
  const once = (t: string, f: (t: string) => string) => {
    let m = escaped.get(f);
    if (!m) escaped.set(f, (m = new Map()));
    let e = m.get(t);
    if (e === undefined) { if (m.size >= 4096) m.clear(); m.set(t, (e = f(t))); }
    return e;
  };
  for (const g of groups) {
    const f = g.first, many = g.findings > 1 || g.connections > 1;
    L.push(`### ${f.severity.toUpperCase()}: ${once(f.title, mdEscape)} (${mdCode(f.id)})${many ? ` — ${timesText(g.findings, g.connections)}` : ""}`, "");
    L.push(once(f.explanation, mdEscape), "");
    if (f.remediation.length) {
      L.push("What to do:", "");
      f.remediation.forEach((x, i) => L.push(`${i + 1}. ${once(x, mdRemediation)}`));
      L.push("");
    }
    const conn = f.connection ? src.connection(f.connection) : undefined;
    const fl = findingFilters(f, conn);
    if (f.frames.length) L.push(`Evidence: frames ${f.frames.join(", ")}; Wireshark filter ${mdCode(fl.frames)}`);
    if (fl.extra) L.push(`Filter: ${mdCode(fl.extra)}`);
    if (conn) L.push(`Connection: ${mdEscape(conn.client)} → ${mdEscape(conn.server)}${fl.stream ? ` (${mdCode(fl.stream)})` : ""}`);
    if (f.references?.length) L.push(`References: ${f.references.map((x) => mdEscape(x)).join("; ")}`);
    if (f.frames.length || conn || f.filter || f.references?.length) L.push("");
    if (g.lines.length) {
      L.push("Also:", "");
      for (const l of g.lines) L.push(`- ${lineMarkdown(l, f, src, once)}`);
      const more = moreText(g);
      if (more) L.push(`- ${more}`);
      L.push("");
    }
    if (buf.length >= PART_CHARS) { yield buf; buf = ""; }
  }

  L.push(`## Connections (${src.connectionCount})`, "");
  if (src.connectionCount) {
    L.push("| stream | client | server | dialect | auth / user | shares | outcome | failed at |");
    L.push("| ---: | --- | --- | --- | --- | --- | --- | --- |");
    for (const x of src.tableRows()) {
      const shares = x.shares.map((s) => `${s.path} (${s.status ?? "no answer"})`).join(", ");
      L.push(`| ${x.stream} | ${cell(x.client)} | ${cell(x.server)} | ${cell(x.dialect ?? "")} | ${cell(authText(x))} | ${cell(shares)} | ${cell(OUTCOME_LABELS[x.outcome] ?? x.outcome)} | ${cell(failedText(x as Connection))} |`);
      if (buf.length >= PART_CHARS) { yield buf; buf = ""; }
    }
    L.push("");
    for (const x of src.failing()) {
      const stream = displayFilter({ stream: x.stream });
      L.push(`### ${mdEscape(x.client)} → ${mdEscape(x.server)}${stream ? ` (${mdCode(stream)})` : ""}`, "");
      for (const p of x.phases) {
        const fr = p.responseFrame ? `frames ${p.requestFrame ?? "?"} → ${p.responseFrame}` : `frame ${p.requestFrame ?? "?"} → no response`;
        L.push(`- ${PHASE_LABELS[p.phase] ?? p.phase}: ${fr}${p.status ? `, ${mdEscape(p.status)}` : ""}${p.latencyMs !== null ? `, ${formatDuration(p.latencyMs)}` : ""}${p.note ? ` (${mdEscape(p.note)})` : ""}`);
      }
      L.push("");
      if (buf.length >= PART_CHARS) { yield buf; buf = ""; }
    }
  }

  if (r.kerberos.length) {
    L.push(`## Kerberos (${r.kerberos.length})`, "");
    L.push("| frame | client | KDC | message | error | client principal | service | realm |");
    L.push("| ---: | --- | --- | --- | --- | --- | --- | --- |");
    for (const k of r.kerberos) {
      const mark = src.mark(k);
      L.push(`| ${k.frame} | ${cell(k.client)} | ${cell(k.kdc)} | ${cell(k.message)} | ${cell(k.error ?? "")}${mark ? ` (${mark.text})` : ""} | ${cell(principalOf(k) ?? "")} | ${cell(k.service ?? "")} | ${cell(k.realm ?? "")} |`);
      if (buf.length >= PART_CHARS) { yield buf; buf = ""; }
    }
    L.push("");
  }
  L.push(`_Generated by ${mdEscape(r.generator)} (report version ${r.version}). Frame numbers match Wireshark's._`, "");
  yield buf;
}

export function reportToMarkdown(r: Report): string { return [...markdownParts(reportSource(r))].join(""); }
