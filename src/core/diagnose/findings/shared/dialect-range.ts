// NEGOTIATE_DIALECT_MISMATCH for SMB 2 and 3: a NEGOTIATE whose dialect list the server refuses
// with STATUS_NOT_SUPPORTED (MS-SMB2 3.3.5.4: no dialect in common). The list shows which end of the
// client's range is narrowed (every current client offers 2.0.2 up to 3.1.1): a maximum below 3.1.1
// means the server's minimum lies above it, a minimum above 2.0.2 that the server's maximum lies
// below it. The SMB 2/3 case of NEGOTIATE_DIALECT_MISMATCH (its module emits it; precedence.ts
// negotiateVerdict decides it before the generic NEGOTIATE_FAILED).
import { add, host, streamFilter, type ConnView, type DiagnoseContext } from "../../context";
import { REF } from "../../references";
import { statusLabel } from "../../../names";
import { finalNegotiate } from "../../../model/summarize";
import type { ConnModel } from "../../../model/types";

/** The SMB 2/3 dialects in order (MS-SMB2 2.2.3), with the names Windows and Samba settings use for them. */
const DIALECTS = [
  { d: "2.0.2", win: "SMB202", samba: "SMB2_02" },
  { d: "2.1", win: "SMB210", samba: "SMB2_10" },
  { d: "3.0", win: "SMB300", samba: "SMB3_00" },
  { d: "3.0.2", win: "SMB302", samba: "SMB3_02" },
  { d: "3.1.1", win: "SMB311", samba: "SMB3_11" },
] as const;
const LOWEST = 0;
const HIGHEST = DIALECTS.length - 1;

/** The final NEGOTIATE is SMB2 and was answered STATUS_NOT_SUPPORTED. */
export function dialectRangeRefused(m: ConnModel): boolean {
  const neg = finalNegotiate(m);
  return !!neg?.req && !neg.req.smb1 && !!neg.resp && !neg.resp.smb1 && statusLabel(neg.resp.status) === "STATUS_NOT_SUPPORTED" && offeredRange(neg.req.dialects) !== null;
}

/** The lowest and highest of the offered dialects, as indexes into DIALECTS (null: none known). */
function offeredRange(dialects: string[]): { lo: number; hi: number } | null {
  const ix = dialects.map((d) => DIALECTS.findIndex((x) => x.d === d)).filter((i) => i >= 0);
  return ix.length ? { lo: Math.min(...ix), hi: Math.max(...ix) } : null;
}

/** NEGOTIATE_DIALECT_MISMATCH for a refused SMB 2/3 range: which side's minimum or maximum misses. */
export function dialectRangeFinding(ctx: DiagnoseContext, c: ConnView): void {
  const neg = finalNegotiate(c.m)!;
  const req = neg.req!, resp = neg.resp!;
  add(ctx, { id: "NEGOTIATE_DIALECT_MISMATCH", severity: "error", connection: c.s.id, frames: [req.frame, resp.frame].filter((x) => x > 0) }, c, () => {
  const { lo, hi } = offeredRange(req.dialects)!;
  const srv = host(c.s.server), cli = host(c.s.client);
  const lowMax = hi < HIGHEST, highMin = lo > LOWEST;
  const list = req.dialects.join(", ");
  const sides: string[] = [];
  const remedies: string[] = [];
  if (lowMax) {
    sides.push(`The client's maximum is ${DIALECTS[hi].d}: a current client offers up to 3.1.1, so this one is capped (Windows: \`Smb2DialectMax\` ${DIALECTS[hi].win} in \`Get-SmbClientConfiguration\`, or the GPO "Mandate the maximum version of SMB"; Samba: \`client max protocol = ${DIALECTS[hi].samba}\`; or an old client or device that knows nothing newer). The server accepts nothing up to ${DIALECTS[hi].d}: its minimum is above that (Windows \`Smb2DialectMin\` in \`Get-SmbServerConfiguration\`, Samba \`server min protocol\`).`);
    remedies.push(`On the client ${cli}: raise or remove its maximum: \`Set-SmbClientConfiguration -Smb2DialectMax None\` (Windows 11 24H2 / Server 2025 and later), or remove \`client max protocol\` from smb.conf (Samba's default is SMB3); update devices that stop at ${DIALECTS[hi].d}.`);
    remedies.push(`Or, if the server's minimum is the mistake, lower it on ${srv}: \`Set-SmbServerConfiguration -Smb2DialectMin ${DIALECTS[hi].win}\` (or \`None\`); Samba \`server min protocol = ${DIALECTS[hi].samba}\`. SMB 2.x has no encryption and weaker integrity than 3.1.1: prefer fixing the client.`);
  }
  if (highMin) {
    sides.push(`The client's minimum is ${DIALECTS[lo].d}: it leaves out ${DIALECTS.slice(0, lo).map((x) => x.d).join(" and ")} (Windows: \`Smb2DialectMin\` ${DIALECTS[lo].win} in \`Get-SmbClientConfiguration\`, or the GPO "Mandate the minimum version of SMB"; Samba: \`client min protocol = ${DIALECTS[lo].samba}\`). The server accepts nothing from ${DIALECTS[lo].d} up: its maximum is below that (Windows \`Smb2DialectMax\` in \`Get-SmbServerConfiguration\`, Samba \`server max protocol\`; or an old server: Windows 7 / Server 2008 R2 stop at 2.1, Vista / Server 2008 at 2.0.2).`);
    remedies.push(`On the server ${srv}: raise or remove its maximum: \`Set-SmbServerConfiguration -Smb2DialectMax None\`; Samba: remove \`server max protocol\` (the default is SMB3); replace a server that cannot speak ${DIALECTS[lo].d}.`);
    remedies.push(`Or, for this server only if it cannot be fixed, lower the client's minimum: \`Set-SmbClientConfiguration -Smb2DialectMin None\` (or the highest dialect the server speaks); Samba \`client min protocol = SMB2_02\`. This weakens every connection the client makes.`);
  }
  if (!lowMax && !highMin) {
    sides.push("The client offered the whole SMB 2/3 range, so the server refuses SMB 2 and 3 altogether: SMB2 is disabled on it (Windows `Get-SmbServerConfiguration | select EnableSMB2Protocol`), its own minimum and maximum exclude each other, or it speaks SMB1 only.");
    remedies.push(`On ${srv}: \`Get-SmbServerConfiguration | select EnableSMB2Protocol, Smb2DialectMin, Smb2DialectMax\` (Windows), \`testparm -sv | grep -i protocol\` (Samba); enable SMB2/3 (\`Set-SmbServerConfiguration -EnableSMB2Protocol $true\`).`);
  }
  return {
    title: lowMax && !highMin
      ? `No SMB dialect in common: ${cli} offers at most ${DIALECTS[hi].d}, ${srv} requires a newer one`
      : highMin && !lowMax
        ? `No SMB dialect in common: ${cli} requires at least ${DIALECTS[lo].d}, ${srv} speaks only older ones`
        : `No SMB dialect in common: ${srv} refused the dialects ${list}`,
    explanation: `The client offered the dialects ${list} in its NEGOTIATE (${req.frame ? `frame ${req.frame}` : "before the capture"}), and the server answered ${statusLabel(resp.status)} in frame ${resp.frame}: none of them is one it accepts (MS-SMB2 3.3.5.4), so nothing after NEGOTIATE can happen. Each side allows a range of dialects and the two ranges do not meet. ${sides.join(" ")}`,
    remediation: [
      ...remedies,
      `Compare both ranges: \`Get-SmbClientConfiguration | select Smb2DialectMin, Smb2DialectMax\` on the client and \`Get-SmbServerConfiguration | select Smb2DialectMin, Smb2DialectMax\` on ${srv} (Windows); \`testparm -sv | grep -i protocol\` on Samba.`,
    ],
    filter: streamFilter(c),
    references: [REF.smb2Negotiate, REF.smb2ClientNeg],
  };
  });
}
