// The readable report for a terminal: verdict first, then findings with evidence and
// remediation, then the connection table. Colour only when the output is a terminal.
import type { Report } from "../core/report";

export function renderText(r: Report, color: boolean): string {
  const c = (code: string, s: string) => (color ? `\x1b[${code}m${s}\x1b[0m` : s);
  const sev = { error: c("1;31", "ERROR"), warning: c("1;33", "WARN "), info: c("36", "INFO ") };
  const out: string[] = [];
  const cap = r.capture;
  out.push(c("1", `${cap.file}`) + `  ${cap.format}, ${cap.linkTypes.join("/") || "no interfaces"}, ${cap.packets} packets${cap.start ? `, ${cap.start} → ${cap.end}` : ""}`);
  out.push("");
  out.push(c("1", r.verdict));
  if (cap.error) out.push(c("31", `  ${cap.error}`));
  for (const w of cap.warnings.slice(0, 10)) out.push(c("33", `  warning: ${w}`));
  for (const f of r.findings) {
    out.push("");
    out.push(`${sev[f.severity]} ${c("1", f.title)}  [${f.id}]`);
    for (const line of f.explanation.split("\n")) out.push(wrap(line, 100, "      "));
    if (f.frames.length) out.push(`      evidence: frame${f.frames.length > 1 ? "s" : ""} ${f.frames.join(", ")}${f.filter ? `   (Wireshark filter: ${f.filter})` : ""}`);
    if (f.severity !== "info" || f.remediation.length > 1) {
      out.push("      what to do:");
      for (const step of f.remediation) out.push(wrap(`- ${step}`, 100, "        ", "      "));
    }
    if (f.references?.length) out.push(c("2", `      see: ${f.references.join("; ")}`));
  }
  if (r.connections.length) {
    out.push("");
    out.push(c("1", "Connections"));
    const rows = [["stream", "client", "server", "dialect", "auth/user", "outcome", "failed at", "status", "shares"]];
    for (const x of r.connections) {
      rows.push([
        String(x.stream), x.client, x.server, x.dialect ?? "-",
        [x.auth, x.user].filter(Boolean).join(" ") || "-",
        x.outcome, x.failedPhase ?? "-", x.status ?? "-",
        x.shares.map((s) => `${s.path}${s.status && s.status !== "STATUS_SUCCESS" ? ` (${s.status})` : ""}`).join(", ") || "-",
      ]);
    }
    const widths = rows[0].map((_, i) => Math.min(40, Math.max(...rows.map((r2) => r2[i].length))));
    for (const [i, row] of rows.entries()) {
      const line = row.map((cell, k) => (k === row.length - 1 ? cell : cell.padEnd(widths[k]))).join("  ");
      out.push(i === 0 ? c("2", line) : row[5] === "ok" ? line : c(row[5] === "incomplete" ? "33" : "31", line));
    }
  }
  if (r.kerberos.length) {
    out.push("");
    out.push(c("1", "Kerberos"));
    for (const k of r.kerberos.slice(0, 40)) {
      out.push(`  frame ${String(k.frame).padEnd(6)} ${k.transport} ${k.client} ${k.message === "KRB-ERROR" || k.message.endsWith("REP") ? "←" : "→"} ${k.kdc}  ${k.message.padEnd(9)} ${k.service ?? ""}${k.error ? `  ${k.error}${k.expected ? " (normal)" : ""}` : ""}`);
    }
    if (r.kerberos.length > 40) out.push(`  … ${r.kerberos.length - 40} more`);
  }
  return out.join("\n");
}

function wrap(text: string, width: number, indent: string, firstIndent = indent): string {
  const words = text.split(" ");
  const lines: string[] = [];
  let cur = firstIndent;
  for (const w of words) {
    if (cur.trim().length && cur.length + w.length + 1 > width) { lines.push(cur); cur = indent + w; }
    else cur += (cur.trim().length ? " " : "") + w;
  }
  lines.push(cur);
  return lines.join("\n");
}
