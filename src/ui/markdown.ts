// The report as Markdown (for a ticket or an e-mail). Every string that comes from the capture is
// escaped, so a share name or user name cannot inject markup or break a table.
import type { Report } from "../core/report";
import { formatBytes, formatDuration, spanMs, OUTCOME_LABELS, PHASE_LABELS } from "./format";
import { sortFindings, sortConnections, authText, failedText, findingFilters } from "./model";
import { displayFilter } from "../core/filters";

/** Escapes Markdown (and inline HTML) in running text. */
export function mdEscape(s: string): string {
  return String(s).replace(/[\\`*_{}\[\]()#+!|<>~]/g, (c) => (c === "<" ? "&lt;" : c === ">" ? "&gt;" : `\\${c}`)).replace(/\r?\n/g, " ");
}

/** Inline code; backticks inside are handled by a longer fence. */
export function mdCode(s: string): string {
  const t = String(s).replace(/\r?\n/g, " ");
  const runs = t.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** A table cell: escaped, pipes never break the row. */
function cell(s: string): string { return mdEscape(s) || " "; }

/** Remediation text keeps its `commands` as code, the rest escaped. */
function mdRemediation(s: string): string {
  return s.split(/(`[^`]+`)/g).map((p) => (/^`[^`]+`$/.test(p) ? mdCode(p.slice(1, -1)) : mdEscape(p))).join("");
}

export function reportToMarkdown(r: Report): string {
  const c = r.capture;
  const L: string[] = [];
  L.push(`# smbscope report: ${mdEscape(c.file)}`, "");
  L.push(`**Verdict:** ${mdEscape(r.verdict)}`, "");
  L.push("## Capture", "");
  L.push(`- Format: ${mdEscape(c.format)}; link types: ${mdEscape(c.linkTypes.join(", ") || "none")}`);
  L.push(`- Packets: ${c.packets}; size: ${formatBytes(c.bytes)}`);
  if (c.start) L.push(`- Time: ${mdEscape(c.start)} → ${mdEscape(c.end ?? "?")} (${formatDuration(spanMs(c.start, c.end))})`);
  if (c.error) L.push(`- Error: ${mdEscape(c.error)}`);
  for (const w of c.warnings) L.push(`- Warning: ${mdEscape(w)}`);
  if (c.topPorts?.length) L.push(`- No SMB seen; busiest ports: ${mdEscape(c.topPorts.join(", "))}`);
  L.push("");

  const findings = sortFindings(r.findings);
  L.push(`## Findings (${findings.length})`, "");
  if (!findings.length) L.push("No problems found.", "");
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
    if (conn) L.push(`Connection: ${mdEscape(conn.client)} → ${mdEscape(conn.server)} (${mdCode(fl.stream)})`);
    if (f.references?.length) L.push(`References: ${f.references.map(mdEscape).join("; ")}`);
    if (f.frames.length || conn || f.filter || f.references?.length) L.push("");
  }

  L.push(`## Connections (${r.connections.length})`, "");
  if (r.connections.length) {
    L.push("| stream | client | server | dialect | auth / user | shares | outcome | failed at |");
    L.push("| ---: | --- | --- | --- | --- | --- | --- | --- |");
    for (const x of sortConnections(r.connections)) {
      const shares = x.shares.map((s) => `${s.path} (${s.status ?? "no answer"})`).join(", ");
      L.push(`| ${x.stream} | ${cell(x.client)} | ${cell(x.server)} | ${cell(x.dialect ?? "")} | ${cell(authText(x))} | ${cell(shares)} | ${cell(OUTCOME_LABELS[x.outcome] ?? x.outcome)} | ${cell(failedText(x))} |`);
    }
    L.push("");
    for (const x of sortConnections(r.connections).filter((y) => y.outcome !== "ok")) {
      L.push(`### ${mdEscape(x.client)} → ${mdEscape(x.server)} (${mdCode(displayFilter({ stream: x.stream }))})`, "");
      for (const p of x.phases) {
        const fr = p.responseFrame ? `frames ${p.requestFrame ?? "?"} → ${p.responseFrame}` : `frame ${p.requestFrame ?? "?"} → no response`;
        L.push(`- ${PHASE_LABELS[p.phase] ?? p.phase}: ${fr}${p.status ? `, ${mdEscape(p.status)}` : ""}${p.latencyMs !== null ? `, ${formatDuration(p.latencyMs)}` : ""}${p.note ? ` (${mdEscape(p.note)})` : ""}`);
      }
      L.push("");
    }
  }

  if (r.kerberos.length) {
    L.push(`## Kerberos (${r.kerberos.length})`, "");
    L.push("| frame | client | KDC | message | error | service | expected |");
    L.push("| ---: | --- | --- | --- | --- | --- | --- |");
    for (const k of r.kerberos) {
      L.push(`| ${k.frame} | ${cell(k.client)} | ${cell(k.kdc)} | ${cell(k.message)} | ${cell(k.error ?? "")} | ${cell(k.service ?? "")} | ${k.expected === null ? "" : k.expected ? "yes (pre-auth)" : "no"} |`);
    }
    L.push("");
  }
  L.push(`_Generated by ${mdEscape(r.generator)} (report version ${r.version}). Frame numbers match Wireshark's._`, "");
  return L.join("\n");
}
