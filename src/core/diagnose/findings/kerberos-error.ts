// KERBEROS_ERROR: a Kerberos error that explains a failure, in one of two places:
// - from the KDC on port 88, after pre-authentication (the troubleshooting article: those are the
//   cause; shared/precedence.ts leaves the normal pre-authentication errors, the unknown principal
//   and KDC_ERR_ETYPE_NOSUPP to their own findings), retries of one request told once;
// - inside the SESSION_SETUP blob: the SMB server's Kerberos answered the client's AP-REQ with a
//   KRB-ERROR in the SPNEGO responseToken (RFC 4120 3.2.3; RFC 4178 4.2.2), e.g. KRB_AP_ERR_SKEW
//   (clocks apart), KRB_AP_ERR_MODIFIED (the ticket is not for this server's key),
//   KRB_AP_ERR_TKT_EXPIRED. The KDC saw nothing wrong, so port 88 shows no error: only the blob does.
import { add, connsWith, F, host, streamFilter, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { displayFilter } from "../../filters";
import { KRB_ERRORS } from "../../names";
import { establishedAttempt, blobKerberosError } from "../../model/summarize";
import { ADVICE, NOT_SMB, krbFrames as framesOf } from "./shared/kerberos-text";
import type { SessionLeg } from "../../model/types";
import type { FindingModule } from "./module";

/** Extra advice for the errors an SMB server's acceptor gives (RFC 4120 7.5.9 codes). */
const AP_ADVICE: Record<number, { meaning: string; fix: string[] }> = {
  37: { meaning: "the clocks of the client and the file server differ by more than the allowed skew (5 minutes by default)", fix: ADVICE[37]?.fix ?? [] },
  33: { meaning: "the ticket is not yet valid (its start time is in the future for the server: clocks apart)", fix: ADVICE[37]?.fix ?? [] },
  34: { meaning: "the client replayed an authenticator the server has seen (a retransmission through a middlebox, or clocks apart)", fix: ["Look for a WAN accelerator or proxy replaying SMB; check the clocks (`w32tm /query /status`)."] },
  35: { meaning: "the ticket is not for this server", fix: ["Check which account holds the SPN the client asked a ticket for (`setspn -Q` with that cifs/ name): it must be this server's computer account."] },
};

/** Seconds between two KerberosTime values ("20261202052400Z"), or null. */
export function kerberosTimeDiff(a: string | undefined, b: string | undefined): number | null {
  const t = (s: string | undefined) => {
    const m = s && /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/.exec(s);
    return m ? Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]) : null;
  };
  const x = t(a), y = t(b);
  return x === null || y === null ? null : Math.round((x - y) / 1000);
}

function skewText(s: number): string {
  const a = Math.abs(s);
  const h = Math.floor(a / 3600), m = Math.floor((a % 3600) / 60), sec = a % 60;
  return [h ? `${h} h` : "", m ? `${m} min` : "", sec || (!h && !m) ? `${sec} s` : ""].filter(Boolean).join(" ");
}

const KDC_REFS = [REF.rfc4120Errors, REF.article];
const BLOB_REFS = ["RFC 4120 3.2.3 and 7.5.9 (KRB_AP_ERR_*)", "RFC 4178 4.2.2 (responseToken)", "MS-KILE 3.4.5.1 (server: the AP exchange)"];

const meta = {
  id: "KERBEROS_ERROR" as const,
  severity: "error",
  when: "a KDC error after pre-authentication (info when it served no SMB connection), or a KRB-ERROR in a SESSION_SETUP response blob (the SMB server refused the AP-REQ)",
  references: [...KDC_REFS, ...BLOB_REFS],
} satisfies FindingModule["meta"];

export const kerberosError: FindingModule = {
  meta,
  visit: {
    // errors from the KDC, in the walk (walk.ts)
    kerberosError(ctx, g) {
      if (g.id !== meta.id) return;
      const { group, v, err, notSmb } = g;
    const ex = group[0];
    add(ctx, { id: meta.id, severity: notSmb ? "info" : "error", connection: v?.s.id ?? null, frames: framesOf(group) }, v ?? undefined, () => {
    const name = KRB_ERRORS[err] ?? `Kerberos error ${err}`;
    const a = ADVICE[err];
    const who = ex.req?.cname ?? ex.reply?.cname;
    const req = ex.req?.msgType === 12 ? "TGS-REQ" : ex.req?.msgType === 10 ? "AS-REQ" : "request";
    const consequence = notSmb ? NOT_SMB : `It comes after pre-authentication, so it is a real failure: the client cannot get the ticket it needs${v ? ` for the SMB connection to ${v.s.server}` : ""}.`;
    // the account and service names fill the commands where the capture shows them
    const fix = (a?.fix ?? ["Look up the error in RFC 4120 7.5.9 / MS-KILE and the KDC's event log (event 4768/4769/4771 on a Windows DC)."]).map((x) => (who ? x.replace(/<user>/g, who) : x)).map((x) => (ex.service ? x.replace(/<spn>/g, ex.service) : x));
    return {
      title: `Kerberos ${name}${who ? ` for ${who}` : ""}${ex.service ? ` (${ex.service})` : ""}${notSmb ? " (not SMB-related)" : ""}`,
      explanation: `The KDC ${ex.kdc} answered ${ex.client}'s ${req}${ex.req ? ` (frame ${ex.req.frame})` : " (not in the capture)"} with ${name} (code ${err}, frame ${ex.reply!.frame}${group.length > 1 ? `, ${group.length} times` : ""})${ex.reply?.etext ? `, text "${ex.reply.etext}"` : ""}. ${a ? `This means ${a.meaning}. ` : ""}${consequence}`,
      remediation: [...fix, "On a Windows DC the Security log has the matching event (4768 AS, 4769 TGS, 4771 pre-auth failure) with the same code."],
      filter: displayFilter({ kerberosErrors: [err], host: ex.client }),
      references: KDC_REFS,
    };
    });
    },
  },
  // errors inside the SESSION_SETUP blob, after the walk
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.BLOB_KRB_ERROR); at < cs.length; at++) { // (indexed: see walk.ts)
      const c = cs[at];
      const leg = c.m.sessions.find(blobKerberosError);
      if (leg) report(ctx, c, leg);
    }
  },
};

function report(ctx: DiagnoseContext, c: ConnView, leg: SessionLeg): void {
  const recovered = !!establishedAttempt(c.m);
  add(ctx, { id: meta.id, severity: recovered ? "info" : "error", connection: c.s.id, frames: [leg.req.frame, leg.resp!.frame].filter((x) => x > 0) }, c, () => {
  const a = leg.resp!.auth;
  const err = a.krbError!;
  const name = KRB_ERRORS[err] ?? `Kerberos error ${err}`;
  const adv = AP_ADVICE[err] ?? ADVICE[err];
  const skew = err === 37 ? kerberosTimeDiff(a.krbStime, a.krbCtime) : null;
  const skewWords = skew !== null
    ? ` The error carries both clocks: the server's time ${a.krbStime} and the client's ${a.krbCtime}, ${skewText(skew)} apart (the client is ${skew > 0 ? "behind" : "ahead"}); Kerberos allows 5 minutes by default.`
    : err === 37 ? " The error carries no client time, so the difference cannot be read from the capture." : "";
  return {
    title: `Kerberos ${name} from ${host(c.s.server)} in SESSION_SETUP${skew !== null ? ` (clocks ${skewText(skew)} apart)` : ""}`,
    explanation: `The client sent a Kerberos ticket in its SESSION_SETUP (frame ${leg.req.frame || "not in the capture"}) and the SMB server answered with a KRB-ERROR inside the security blob: ${name} (code ${err}, frame ${leg.resp!.frame})${a.krbEtext ? `, text "${a.krbEtext}"` : ""}. ${adv ? `This means ${adv.meaning}.` : ""}${skewWords} The KDC issued the ticket without complaint; the file server refused it.${recovered ? " The client then set up a session anyway (a retry, or NTLM)." : ""}`,
    remediation: [
      ...(adv?.fix ?? ["Look up the error in RFC 4120 7.5.9 and the server's System and Security event logs."]),
      "On a Windows server the System log has the Kerberos event (e.g. 4 for KRB_AP_ERR_MODIFIED) and the Security log event 4625; on Samba raise `log level = 3 auth:5` and look for the gensec_gssapi message.",
      "After fixing, purge the client's tickets (`klist purge`) and retry.",
    ],
    filter: streamFilter(c),
    references: BLOB_REFS,
  };
  });
}
