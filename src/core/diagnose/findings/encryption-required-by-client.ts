// ENCRYPTION_REQUIRED_BY_CLIENT: the client offered encryption, the server's NEGOTIATE response
// offered none (no ENCRYPTION_CAPABILITIES context with 3.1.1, no SMB2_GLOBAL_CAP_ENCRYPTION with
// 3.0/3.0.2, or an SMB 2 dialect), and the client hung up before using a share: a client that
// requires encryption (RequireEncryption, Samba `client smb encrypt = required`) does exactly that.
import * as W from "../../../../assembly/wire";
import { add, host, streamFilter, connsWith, F, type ConnView, type DiagnoseContext } from "../context";
import { REF } from "../references";
import { CIPHERS } from "../../names";
import type { FindingModule } from "./module";
import type { NegotiateInfo } from "../../model/types";
import { shareName } from "./shared/tree-text";
import { hangUpOf, hangUpText, hangUpFrames, finalNegotiate, type HangUp } from "./hangup";

const module: FindingModule = {
  meta: { id: "ENCRYPTION_REQUIRED_BY_CLIENT", severity: "error", when: "the client requires encryption; the server offered no encryption capability/context; the client hangs up" },
  create(ctx) {
    for (let at = 0, cs = connsWith(ctx, F.FAILED); at < cs.length; at++) { // (hangUpOf: null unless failed)
      const c = cs[at];
      const h = hangUpOf(c);
      if (!h || h.end.by !== "client" || c.s.auth === "guest" || c.s.auth === "anonymous") continue;
      const neg = finalNegotiate(c.m);
      const req = neg?.req, resp = neg?.resp;
      if (!req || !resp?.dialect || resp.smb1 || req.smb1) continue;
      // with 3.1.1 a client that can encrypt lists its ciphers (MS-SMB2 2.2.3.1.2); before, it sets the capability
      const clientCan = resp.dialect === "3.1.1" ? (req.ciphers?.length ?? 0) > 0 : (req.ciphers?.length ?? 0) > 0 || ((req.caps ?? 0) & W.SMB2_CAP_ENCRYPTION) !== 0;
      if (!clientCan) continue;
      const d = resp.dialect;
      let none: string | null = null;
      if (d === "3.1.1") { if (resp.ciphers === undefined) none = "its NEGOTIATE response carries no SMB2_ENCRYPTION_CAPABILITIES context (MS-SMB2 2.2.3.1.2): it offers no cipher at all"; }
      else if (d === "3.0" || d === "3.0.2") { if (!((resp.caps ?? 0) & W.SMB2_CAP_ENCRYPTION)) none = `it chose SMB ${d} without the SMB2_GLOBAL_CAP_ENCRYPTION capability`; }
      else none = `it chose SMB ${d}, which has no encryption (SMB 3.0 or later is needed)`;
      if (!none) continue;
      report(ctx, c, h, req, resp, none);
    }
  },
};
export default module;

// (in a function of its own: a closure in the loop made every pass allocate its context)
function report(ctx: DiagnoseContext, c: ConnView, h: HangUp, req: NonNullable<NegotiateInfo["req"]>, resp: NonNullable<NegotiateInfo["resp"]>, none: string): void {
  add(ctx, { id: "ENCRYPTION_REQUIRED_BY_CLIENT", severity: "error", connection: c.s.id, frames: [resp.frame, ...hangUpFrames(h)].filter((x, i, a) => a.indexOf(x) === i) }, c, () => {
  const srv = host(c.s.server);
  const offered = req.ciphers?.length ? `offered the ciphers ${req.ciphers.map((x) => CIPHERS[x] ?? `0x${x.toString(16)}`).join(", ")}` : "announced the encryption capability";
  return {
    title: `The client requires encryption and ${srv} offered none`,
    explanation: `The client ${offered} in its NEGOTIATE (frame ${req.frame}), but the server does not encrypt: ${none} (frame ${resp.frame}). The client did not go on: ${hangUpText(h)}. This is what a client that requires encryption does ("The SMB client won't connect to an SMB server that doesn't support SMB 3.0 or later, or that doesn't support SMB encryption"): Windows with \`RequireEncryption\` (off by default, also on Windows 11 24H2 and Server 2025), a Samba client with \`client smb encrypt = required\`, a Linux mount with \`seal\`.`,
    remediation: [
      `Best fix, on ${srv}: turn encryption on. Windows: \`Set-SmbServerConfiguration -EncryptData $true\` (or per share \`Set-SmbShare -Name ${c.s.shares[0] ? shareName(c.s.shares[0].path) : "<share>"} -EncryptData $true\`); Samba: \`server smb encrypt = desired\` (or \`required\`), never \`off\`, and \`server min protocol = SMB3\` if it should not fall back; NAS: update the firmware to one with SMB 3 encryption.`,
      "Otherwise, on the client, stop requiring it for this server: `Set-SmbClientConfiguration -RequireEncryption $false` (GPO Lanman Workstation \"Require encryption\"), or Samba `client smb encrypt = desired`; the traffic is then readable on the network.",
      "The client's SMBClient/Security and SMBClient/Connectivity event logs name the server that was refused.",
    ],
    filter: streamFilter(c), references: [REF.smb2Ctx, REF.smb2NegResp, REF.smb2ClientNeg],
  };
  });
}
