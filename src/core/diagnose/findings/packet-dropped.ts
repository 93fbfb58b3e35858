// PACKET_DROPPED: pktmon (event 170) saw a packet of an SMB connection or of a Kerberos exchange
// dropped inside the computer that captured, and says by which component and why ("dropped by
// wfplwfs.sys, WFP Native MAC Layer LightWeight Filter: filtered"). An error when the connection
// (or the one the Kerberos exchange served) then failed or never started; a warning when a
// retransmission got through. model/pktmon.ts ties drops to connections; pktmon.ts names reasons.
import { add, type ConnView, type DiagnoseContext } from "../context";
import { displayFilter } from "../../filters";
import { SMB1_COMMANDS, SMB2_COMMANDS, KRB_MSG_TYPES } from "../../names";
import { dropCause, directionText, isInbound } from "../../pktmon";
import { dropText, adapterOf } from "../../model/pktmon";
import type { PktmonDrop, PktmonModel } from "../../model/types";
import type { FindingModule } from "./module";

const REFS = [
  "Microsoft: Packet Monitor (pktmon), PKTMON_DROP_REASON (learn.microsoft.com/windows/win32/pktmon)",
  "Microsoft: pktmon counters --type drop --drop-reason (learn.microsoft.com/windows-server/administration/windows-commands/pktmon-counters)",
];
const PORT_KRB = 88;
const portOf = (ep: string | null) => (ep ? Number(ep.slice(ep.lastIndexOf(":") + 1)) : NaN);

export const packetDropped: FindingModule = {
  meta: { id: "PACKET_DROPPED",
    severity: "error",
    when: "pktmon reports a packet of an SMB connection or Kerberos exchange dropped inside the capturing computer",
    references: REFS,
  },
  create(ctx) {
    const p = ctx.model.pktmon;
    if (!p || p.drops.length === 0) return;
    const used = new Set<PktmonDrop>();
    for (const v of ctx.conns) {
      const drops = v.m.drops;
      if (!drops?.length) continue;
      for (const d of drops) used.add(d);
      report(ctx, p, drops, v, null);
    }
    // Kerberos: the exchange the dropped message belongs to, and the SMB connection it served
    const byKrb = new Map<string, PktmonDrop[]>();
    for (const d of p.drops) {
      if (used.has(d) || (portOf(d.src) !== PORT_KRB && portOf(d.dst) !== PORT_KRB)) continue;
      const ex = ctx.exchanges.find((e) => e.req && (e.req.src === d.src && e.req.dst === d.dst || e.req.src === d.dst && e.req.dst === d.src));
      const v = ex?.conn ? ctx.viewOf.get(ex.conn) ?? null : null;
      const key = `${v?.s.id ?? ""}|${d.src}|${d.dst}`;
      let l = byKrb.get(key);
      if (!l) byKrb.set(key, (l = []));
      l.push(d);
      used.add(d);
    }
    for (const l of byKrb.values()) {
      const ex = ctx.exchanges.find((e) => e.req && (e.req.src === l[0].src || e.req.dst === l[0].src));
      report(ctx, p, l, ex?.conn ? ctx.viewOf.get(ex.conn) ?? null : null, "kerberos");
    }
    // SMB traffic no connection of the report holds
    const orphans = new Map<string, PktmonDrop[]>();
    for (const d of p.drops) {
      if (used.has(d) || d.proto !== "tcp") continue;
      const ps = [portOf(d.src), portOf(d.dst)];
      if (!ps.includes(445) && !ps.includes(139)) continue;
      const k = `${d.src}|${d.dst}`;
      let l = orphans.get(k);
      if (!l) orphans.set(k, (l = []));
      l.push(d);
    }
    for (const l of orphans.values()) report(ctx, p, l, null, "smb");
  },
};

/** What the dropped packet was, in words: "the SYN", "the SESSION_SETUP request", "a Kerberos TGS-REQ". */
function what(d: PktmonDrop): string {
  if (d.krbMsgType !== null) return `a Kerberos ${KRB_MSG_TYPES[d.krbMsgType] ?? `message (type ${d.krbMsgType})`}`;
  if (d.smb) {
    if (d.smb.version === 3) return "an encrypted SMB3 message";
    const name = d.smb.cmd === null ? null : d.smb.version === 2 ? SMB2_COMMANDS[d.smb.cmd] : SMB1_COMMANDS[d.smb.cmd];
    return `the ${name ?? `SMB command ${d.smb.cmd}`} ${d.smb.response ? "response" : "request"}`;
  }
  const f = d.tcpFlags;
  if (f !== null) {
    if ((f & 2) && !(f & 16)) return "the SYN";
    if ((f & 2) && (f & 16)) return "the SYN-ACK";
    if (f & 4) return "a RST";
    if (f & 1) return "a FIN";
    if (d.len) return `a TCP segment of ${d.len} bytes`;
    return "an ACK";
  }
  return d.proto === "udp" ? `a UDP datagram of ${d.len ?? 0} bytes` : "a packet";
}

function advice(cause: ReturnType<typeof dropCause>, comp: string, port: number): string[] {
  switch (cause) {
    case "filter": return [
      `A packet filter on the capturing computer dropped it (${comp}): Windows Defender Firewall or a third-party WFP callout (antivirus, endpoint protection, VPN client). Turn on the audit that names the filter: \`auditpol /set /subcategory:"Filtering Platform Packet Drop" /success:enable /failure:enable\`, reproduce, and read Security events 5152/5157 (they give the filter's id and the application); \`netsh wfp show filters\` maps the id to its provider.`,
      `List the rules that could block port ${port}: \`Get-NetFirewallRule -Enabled True -Action Block | Get-NetFirewallPortFilter | Where-Object LocalPort -eq ${port}\` (and the same for RemotePort); \`netsh wfp show state\` shows third-party callouts.`,
    ];
    case "ipsec": return [
      "IPsec policy dropped it: check the connection security rules on both sides (`Get-NetIPsecRule`, `netsh advfirewall consec show rule name=all`) and the security associations (`Get-NetIPsecMainModeSA`, `Get-NetIPsecQuickModeSA`).",
      "Domain isolation that requires IPsec for SMB needs a matching rule on the server too; the Security log's IPsec events (4650–4655) say why negotiation failed.",
    ];
    case "no-listener": return [
      `Nothing accepts TCP ${port} on the computer that dropped it: on a server, \`Get-Service LanmanServer\` and \`Get-NetTCPConnection -LocalPort ${port} -State Listen\`; Samba: \`ss -ltnp 'sport = :${port}'\`.`,
    ];
    case "route": return [
      "The stack had no way to send it: `Get-NetRoute -DestinationPrefix` for the server's address, `Get-NetNeighbor` (ARP/ND), `Test-NetConnection <server> -TraceRoute`.",
    ];
    case "mtu": return [
      "The packet was larger than the path allows: `netsh interface ipv4 show subinterfaces` (MTU), `ping -f -l 1472 <server>`, and the MTU of VPN or tunnel adapters.",
    ];
    case "adapter": return [
      "The network adapter was not ready (paused, reset, disconnected, in low power): `Get-NetAdapter | Format-List Name,Status,MediaConnectionState`, the System log's NDIS/driver events, and the adapter's driver version.",
    ];
    default: return [];
  }
}

function report(ctx: DiagnoseContext, p: PktmonModel, drops: PktmonDrop[], v: ConnView | null, kind: "kerberos" | "smb" | null): void {
  const first = drops[0];
  // one line per (component, reason): "the SYN (frames 1, 4, 10) dropped by …"
  const groups = new Map<string, PktmonDrop[]>();
  for (const d of drops) {
    const k = `${d.component}|${d.reason}|${what(d)}`;
    let l = groups.get(k);
    if (!l) groups.set(k, (l = []));
    l.push(d);
  }
  const lines = [...groups.values()].map((l) => {
    const d = l[0];
    const dir = directionText(d.direction);
    return `${what(d)}${l.length > 1 ? ` (${l.length} times, frames ${l.map((x) => x.frame).join(", ")})` : ` (frame ${d.frame})`}${dir ? `, ${isInbound(d.direction) ? "coming in" : "going out"},` : ""} ${dropText(p, d)}`;
  });
  const failed = v ? v.s.outcome === "failed" || v.s.outcome === "no-response" : true;
  const outbound = !isInbound(first.direction);
  const adapter = adapterOf(p, first.component);
  const compName = p.components.get(first.component)?.name ?? `component ${first.component}`;
  const port = v ? v.m.serverPort : kind === "kerberos" ? PORT_KRB : [portOf(first.src), portOf(first.dst)].find((x) => x === 445 || x === 139) ?? 445;
  const subject = v
    ? kind === "kerberos" ? `Kerberos for the SMB connection to ${v.s.server}` : `SMB connection ${v.s.client} → ${v.s.server}`
    : kind === "kerberos" ? `Kerberos between ${first.src} and ${first.dst}` : `SMB traffic between ${first.src} and ${first.dst}`;
  const consequence = v
    ? failed
      ? ` The connection then ${v.s.outcome === "no-response" ? "got no answer" : `failed${v.s.failedPhase ? ` at ${v.s.failedPhase}` : ""}`}: the drop explains it${outbound ? " (the packet never left this computer)" : " (the packet arrived but never reached the application)"}.`
      : " The connection went on (a retransmission got through), but each drop costs a timeout."
    : ` No connection in this capture carries it${outbound ? ": it never left this computer" : ""}.`;
  const frames = drops.map((d) => d.frame);
  add(ctx, {
    id: "PACKET_DROPPED",
    severity: failed ? "error" : "warning",
    title: `${subject}: ${drops.length} packet${drops.length > 1 ? "s" : ""} dropped by ${compName}${adapter && adapter.id !== first.component ? ` on ${adapter.description ?? adapter.name}` : ""}`,
    explanation: `pktmon on the capturing computer reports ${lines.join("; ")}.${consequence} Drop reasons are pktmon's (PKTMON_DROP_REASON); the drops keep their frame numbers, as in the file converted by etl2pcapng.`,
    remediation: [
      ...advice(dropCause(first.reason), compName, port),
      "On the same computer, `pktmon counters --type drop --drop-reason` shows which components are dropping now and why; `pktmon list` names the components.",
    ],
    connection: v?.s.id ?? null,
    frames,
    filter: displayFilter({ frames }),
    references: REFS,
  }, v ?? undefined);
}
