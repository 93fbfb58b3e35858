// Runs every rule family over the model and orders the findings (errors first).
import { SEVERITY_RANK as RANK, type DiagnoseContext } from "./context";
import { tcpRules } from "./tcp";
import { negotiateRules } from "./negotiate";
import { sessionRules } from "./session";
import { kerberosRules } from "./kerberos";
import { treeRules } from "./tree";
import { captureRules } from "./capture";
import { FINDINGS } from "./findings";

const RULES = [tcpRules, negotiateRules, sessionRules, kerberosRules, treeRules, captureRules];

export function diagnose(ctx: DiagnoseContext): void {
  for (const rule of RULES) rule(ctx);
  for (const f of FINDINGS) f.create(ctx);
  ctx.findings.sort((a, b) => RANK[a.severity] - RANK[b.severity] || (a.frames[0] ?? 0) - (b.frames[0] ?? 0));
}
