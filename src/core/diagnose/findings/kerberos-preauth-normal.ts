// KERBEROS_PREAUTH_NORMAL: KDC_ERR_PREAUTH_REQUIRED and KRB_ERR_RESPONSE_TOO_BIG are part of a
// normal exchange (the troubleshooting article: errors during pre-authentication are fine). One
// info finding per client, attached to the SMB connections those exchanges served.
import { add, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { displayFilter } from "../../filters";
import { KRB_ERRORS } from "../../names";
import type { KrbExchange } from "../../model/kerberos";
import type { FindingModule } from "./module";

const meta = {
  id: "KERBEROS_PREAUTH_NORMAL" as const,
  severity: "info",
  when: "Kerberos pre-authentication errors (KDC_ERR_PREAUTH_REQUIRED, KRB_ERR_RESPONSE_TOO_BIG): normal, not a cause",
  references: [REF.rfc4120Preauth, REF.rfc4120Udp, REF.article],
} satisfies FindingModule["meta"];

export const kerberosPreauthNormal: FindingModule = {
  meta,
  visit: {
    kerberosPreauth(ctx, preauth) {
      if (!preauth.length) return;
      // One info finding per client, attached to the SMB connections those exchanges served
      const byClient = new Map<string, KrbExchange[]>();
      for (let i = 0; i < preauth.length; i++) { // (indexed: see walk.ts)
        const e = preauth[i];
        const l = byClient.get(e.client);
        if (l) l.push(e); else byClient.set(e.client, [e]);
      }
      // (forEach: no [key, value] pair per client)
      byClient.forEach((mine, client) => {
        const views = viewsOf(ctx, mine);
        add(ctx, { id: meta.id, severity: "info", connection: views.length === 1 ? views[0].s.id : null, frames: mine.map(replyFrame) }, views[0], () => {
        const names = [...new Set(mine.map((e) => KRB_ERRORS[e.reply!.errorCode!]))];
        return {
          title: `Kerberos ${names.join(" and ")} seen: normal, not a cause`,
          explanation: `${client} got ${mine.length} Kerberos error${mine.length > 1 ? "s" : ""} (${names.join(", ")}) from the KDC in frame${mine.length > 1 ? "s" : ""} ${mine.map(replyFrame).join(", ")}. These are part of a normal exchange: the KDC first asks the client to prove it knows the password (pre-authentication), and a reply too big for UDP makes the client retry over TCP. As the troubleshooting article says, errors during pre-authentication are fine; only errors after it explain a failure.`,
          remediation: ["Nothing to fix. Look at Kerberos errors that follow these, if any."],
          filter: displayFilter({ kerberosErrors: mine.map((e) => e.reply!.errorCode), host: client }),
          references: meta.references,
        };
        });
        for (const v of views) if (!v.findings.includes(meta.id)) v.findings.push(meta.id);
      });
    },
  },
};

const replyFrame = (e: KrbExchange) => e.reply!.frame;

/** The SMB connections a client's exchanges served, each once, in the order of the exchanges. */
function viewsOf(ctx: DiagnoseContext, mine: KrbExchange[]): ConnView[] {
  const out: ConnView[] = [];
  let seen: Set<ConnView> | null = null; // (most clients have a few: a Set only past 16)
  for (let i = 0; i < mine.length; i++) {
    const conn = mine[i].conn;
    const v = conn ? ctx.viewOf.get(conn) : undefined;
    if (!v) continue;
    if (seen) { if (!seen.has(v)) { seen.add(v); out.push(v); } }
    else if (!out.includes(v)) { out.push(v); if (out.length > 16) seen = new Set(out); }
  }
  return out;
}
