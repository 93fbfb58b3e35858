// The report as Markdown (for a ticket or an e-mail). Every string that comes from the capture is
// escaped, so a share name or user name cannot inject markup or break a table.
import type { Report } from "../core/report";
import { formatBytes, formatDuration, spanMs, splitCode, OUTCOME_LABELS, PHASE_LABELS } from "./format";
import { sortFindings, sortConnections, authText, connectionsShown, failedText, findingFilters, kerberosMark, noFindingsText, noSmbText, principalOf, reportTone, TONE_LABELS } from "./model";
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

export function reportToMarkdown(r: Report): string {
  const c = r.capture;
  const L: string[] = [];
  L.push(`# smbscope report: ${mdEscape(c.file)}`, "");
  L.push(`**Verdict:** ${TONE_LABELS[reportTone(r)]} — ${mdEscape(r.verdict)}`, "");
  L.push("## Capture", "");
  L.push(`- Format: ${mdEscape(c.format)}; link types: ${mdEscape(c.linkTypes.join(", ") || "none")}`);
  L.push(`- Packets: ${c.packets}; size: ${formatBytes(c.bytes)}`);
  if (c.start) L.push(`- Time: ${mdEscape(c.start)} → ${mdEscape(c.end ?? "?")} (${formatDuration(spanMs(c.start, c.end))})`);
  if (c.error) L.push(`- Error: ${mdEscape(c.error)}`);
  for (const w of c.warnings) L.push(`- Warning: ${mdEscape(w)}`);
  const noSmb = noSmbText(r);
  if (noSmb) L.push(`- SMB: ${mdEscape(noSmb.text)}${noSmb.ports.length ? ` ${mdEscape(noSmb.ports.join(", "))}. ${mdEscape(noSmb.hint)}` : ""}`);
  L.push("");

  const findings = sortFindings(r.findings);
  L.push(`## Findings (${findings.length})`, "");
  if (!findings.length) L.push(noFindingsText(r), "");
  for (const f of findings) {
    L.push(`### ${f.severity.toUpperCase()}: ${mdEscape(f.title)} (${mdCode(f.id)})`, "");
    L.push(mdEscape(f.explanation), "");
    if (f.remediation.length) {
      L.push("What to do:", "");
      f.remediation.forEach((x, i) => L.push(`${i + 1}. ${mdRemediation(x)}`));
      L.push("");
    }
    const conn = f.connection ? r.connections.find((x) => x.id === f.connection) : undefined;
    const fl = findingFilters(f, conn);
    if (f.frames.length) L.push(`Evidence: frames ${f.frames.join(", ")}; Wireshark filter ${mdCode(fl.frames)}`);
    if (fl.extra) L.push(`Filter: ${mdCode(fl.extra)}`);
    if (conn) L.push(`Connection: ${mdEscape(conn.client)} → ${mdEscape(conn.server)}${fl.stream ? ` (${mdCode(fl.stream)})` : ""}`);
    if (f.references?.length) L.push(`References: ${f.references.map((x) => mdEscape(x)).join("; ")}`);
    if (f.frames.length || conn || f.filter || f.references?.length) L.push("");
  }

  L.push(`## Connections (${r.connections.length})`, "");
  if (r.connections.length) {
    L.push("| stream | client | server | dialect | auth / user | shares | outcome | failed at |");
    L.push("| ---: | --- | --- | --- | --- | --- | --- | --- |");
    for (const x of sortConnections(connectionsShown(r))) {
      const shares = x.shares.map((s) => `${s.path} (${s.status ?? "no answer"})`).join(", ");
      L.push(`| ${x.stream} | ${cell(x.client)} | ${cell(x.server)} | ${cell(x.dialect ?? "")} | ${cell(authText(x))} | ${cell(shares)} | ${cell(OUTCOME_LABELS[x.outcome] ?? x.outcome)} | ${cell(failedText(x))} |`);
    }
    L.push("");
    for (const x of sortConnections(r.connections).filter((y) => y.outcome !== "ok")) {
      const stream = displayFilter({ stream: x.stream });
      L.push(`### ${mdEscape(x.client)} → ${mdEscape(x.server)}${stream ? ` (${mdCode(stream)})` : ""}`, "");
      for (const p of x.phases) {
        const fr = p.responseFrame ? `frames ${p.requestFrame ?? "?"} → ${p.responseFrame}` : `frame ${p.requestFrame ?? "?"} → no response`;
        L.push(`- ${PHASE_LABELS[p.phase] ?? p.phase}: ${fr}${p.status ? `, ${mdEscape(p.status)}` : ""}${p.latencyMs !== null ? `, ${formatDuration(p.latencyMs)}` : ""}${p.note ? ` (${mdEscape(p.note)})` : ""}`);
      }
      L.push("");
    }
  }

  if (r.kerberos.length) {
    L.push(`## Kerberos (${r.kerberos.length})`, "");
    L.push("| frame | client | KDC | message | error | client principal | service | realm |");
    L.push("| ---: | --- | --- | --- | --- | --- | --- | --- |");
    for (const k of r.kerberos) {
      const mark = kerberosMark(k, r.findings);
      L.push(`| ${k.frame} | ${cell(k.client)} | ${cell(k.kdc)} | ${cell(k.message)} | ${cell(k.error ?? "")}${mark ? ` (${mark.text})` : ""} | ${cell(principalOf(k) ?? "")} | ${cell(k.service ?? "")} | ${cell(k.realm ?? "")} |`);
    }
    L.push("");
  }
  L.push(`_Generated by ${mdEscape(r.generator)} (report version ${r.version}). Frame numbers match Wireshark's._`, "");
  return L.join("\n");
}
