// KERBEROS_ETYPE_MISMATCH: KDC_ERR_ETYPE_NOSUPP (14): none of the etypes the client offered meets
// a key the account has (RFC 4120 3.1.3, 3.3.3). Today that is mostly RC4: clients configured for
// rc4-hmac only, or accounts without AES keys once the domain controllers stop issuing RC4
// (KB5073381 / CVE-2026-20833: AES-only defaults from April 2026, enforced from July 2026).
import { add, smbConnections, type ConnView, type DiagnoseContext } from "../context";
import { displayFilter } from "../../filters";
import { etypeName } from "../../names";
import { smbServiceName, type KrbExchange } from "../../model/kerberos";
import type { FindingModule } from "./module";

const RC4 = new Set([23, 24, -128]);
const DES = new Set([1, 2, 3]);
const AES = new Set([17, 18, 19, 20]);

export const kerberosEtypeMismatch: FindingModule = {
  meta: { id: "KERBEROS_ETYPE_MISMATCH",
    severity: "error",
    when: "KDC_ERR_ETYPE_NOSUPP: the etypes the client offered and the account's keys do not meet (RC4 removal)",
    references: ["RFC 4120 3.1.3 and 3.3.3 (etype selection), 7.5.9 (KDC_ERR_ETYPE_NOSUPP)", "RFC 3962 (AES for Kerberos 5)", "MS-KILE 2.2.7 Supported Encryption Types Bit Flags (msDS-SupportedEncryptionTypes)", "MS-KILE 3.3.5.6 KDC: TGS Exchange"],
  },
  create(ctx) {
    if (ctx.exchanges.length === 0) return; // (no exchange, no finding: no index made, as for each connection diagnosed alone)
    // retries of the same request (same client, service and connection) make one finding
    const groups = new Map<string, KrbExchange[]>();
    const exchanges = ctx.exchanges;
    for (let i = 0; i < exchanges.length; i++) { // (indexed: see walk.ts)
      const ex = exchanges[i];
      if (ex.reply?.msgType !== 30 || ex.reply.errorCode !== 14) continue;
      const key = `${ex.client}|${ex.service}|${ex.conn?.stream ?? ""}`;
      let l = groups.get(key);
      if (!l) groups.set(key, (l = []));
      l.push(ex);
    }
    for (const group of groups.values()) report(ctx, group, group[0].conn ? ctx.viewOf.get(group[0].conn) ?? null : null);
  },
};

/** The command that gives the account AES, with the capture's names. */
function setCmd(ex: KrbExchange, smb: string | null): string {
  if (ex.req?.msgType !== 12) {
    const user = ex.req?.cname ?? ex.reply?.cname;
    return user ? `\`Set-ADUser ${user} -KerberosEncryptionType AES128,AES256\`` : "`Set-ADUser` with `-KerberosEncryptionType AES128,AES256` on the user";
  }
  const spn = ex.service ?? "";
  return `find the account with \`setspn -Q ${spn}\`, then \`Set-ADComputer\` (a computer account${smb ? `, e.g. the file server ${smb.split(".")[0]}` : ""}) or \`Set-ADUser\` (a service account) with \`-KerberosEncryptionType AES128,AES256\`; on Samba AD, \`samba-tool user setpassword <account>\` on that account creates the AES keys`;
}

function report(ctx: DiagnoseContext, group: KrbExchange[], v: ConnView | null): void {
  const ex = group[0];
  const notSmb = !v && smbConnections(ctx) > 0;
  add(ctx, { id: "KERBEROS_ETYPE_MISMATCH", severity: notSmb ? "info" : "error", connection: v?.s.id ?? null, frames: group.flatMap((e) => [e.req?.frame, e.reply?.frame]).filter((x): x is number => !!x) }, v ?? undefined, () => {
  const offered = ex.req?.etypes ?? null;
  const names = offered ? offered.map((e) => `${etypeName(e)} (${e})`).join(", ") : null;
  const onlyWeak = !!offered && offered.length > 0 && offered.every((e) => RC4.has(e) || DES.has(e));
  const des = !!offered && offered.some((e) => DES.has(e)) && !offered.some((e) => AES.has(e) || RC4.has(e));
  const svc = ex.service ?? "the service";
  const tgs = ex.req?.msgType === 12;
  const account = tgs ? `the account that holds ${svc}` : `the account ${ex.req?.cname ?? ex.reply?.cname ?? "of the user"}`;
  const smb = smbServiceName(ex.service);
  const offeredText = offered
    ? `The client offered ${offered.length === 1 ? "only " : ""}${names}${onlyWeak ? des ? ": DES only, which no current domain controller issues" : ": RC4/DES only, no AES" : ""}.`
    : "The request is not in the capture, so the etypes the client offered cannot be shown.";
  const why = onlyWeak
    ? `The client is configured for RC4 (or DES) only, and ${account} has only AES keys or accepts only AES (msDS-SupportedEncryptionTypes without the RC4 bit 0x4). Since the January 2026 updates (KB5073381, CVE-2026-20833) Windows domain controllers move to AES-only for accounts without an explicit setting (default from April 2026, enforced from July 2026), so RC4-only clients and services stop working.`
    : `No etype the client offered meets a key of ${account}: typically an old account that has no AES keys (its password was last set before the domain had AES, or msDS-SupportedEncryptionTypes allows RC4 only) while RC4 is disabled on the domain controllers or the client — the RC4 removal of 2025–2026 (KB5073381, CVE-2026-20833) makes this common.`;
  return {
    title: `Kerberos etype mismatch for ${svc}${onlyWeak ? " (client offers RC4/DES only)" : ""}${notSmb ? " (not SMB-related)" : ""}`,
    explanation: `${ex.client} asked the KDC ${ex.kdc} for ${tgs ? `a ticket to ${svc}` : "a ticket-granting ticket"} (${ex.req ? `${tgs ? "TGS-REQ" : "AS-REQ"}, frame ${ex.req.frame}` : "request not in the capture"}) and got KDC_ERR_ETYPE_NOSUPP (frame ${ex.reply!.frame}${group.length > 1 ? `, ${group.length} times` : ""}). ${offeredText} ${why}${v && v.s.outcome !== "ok" ? ` Without a ticket the client could not authenticate the SMB connection to ${v.s.server}.` : ""}`,
    remediation: [
      onlyWeak
        ? "Let the client use AES: remove rc4-hmac-only settings (krb5.conf `permitted_enctypes`/`default_tgs_enctypes`/`default_tkt_enctypes`; on Windows the policy \"Network security: Configure encryption types allowed for Kerberos\" must include AES128_HMAC_SHA1 and AES256_HMAC_SHA1)."
        : "Check which etypes the client offers (`klist -e`, `kerberos.etype` in Wireshark) and the policy \"Network security: Configure encryption types allowed for Kerberos\".",
      `Give ${account} AES keys: set msDS-SupportedEncryptionTypes to 0x18 (AES128 | AES256, MS-KILE 2.2.7): ${setCmd(ex, smb)}; then reset its password once so that AES keys are created (an account whose password predates AES has none${!tgs && (ex.req?.cname ?? ex.reply?.cname) ? `; Samba AD: \`samba-tool user setpassword ${ex.req?.cname ?? ex.reply?.cname}\`` : ""}).`,
      "Find accounts still on RC4: the KDCSVC events 201–209 on the domain controllers (since January 2026), `Get-ADObject -Filter 'msDS-SupportedEncryptionTypes -band 0x4'`, and Microsoft's Get-KerbEncryptionUsage.ps1; a keytab made for RC4 must be re-exported with AES keys (ktpass with `/crypto AES256-SHA1`).",
      "Then purge the client's tickets (`klist purge`) and retry.",
    ],
    filter: displayFilter({ kerberosErrors: [14], host: ex.client }),
    references: kerberosEtypeMismatch.meta.references,
  };
  });
}
