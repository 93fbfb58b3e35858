// SMB_PRE_TCP_TRANSPORT: frames of the transports SMB ran over before TCP/IP (NetBIOS Frames over
// 802.2 LLC, IPX): recognised and said to be not analysed, rather than "no SMB".
import { add, smbConnections } from "../context";
import { REF } from "../references";
import type { FindingModule } from "./module";

const meta = {
  id: "SMB_PRE_TCP_TRANSPORT" as const,
  severity: "info",
  when: "SMB over NetBEUI or IPX frames: recognised and reported as not analysed (a warning when there is no SMB over TCP)",
  references: [REF.cifsTransports],
} satisfies FindingModule["meta"];

export const smbPreTcpTransport: FindingModule = {
  meta,
  visit: {
    capture(ctx) {
      const m = ctx.model;
      const preTcp = m.preTcp.netbeui + m.preTcp.ipx;
      if (preTcp > 0) {
        const over = [m.preTcp.netbeui ? `${m.preTcp.netbeui} frames of NetBIOS Frames (NetBEUI: IEEE 802.2 LLC, SAP 0xF0)` : "",
          m.preTcp.ipx ? `${m.preTcp.ipx} IPX packets to or from the NetBIOS socket 0x0455 or the NWLink SMB sockets 0x0550–0x0555` : ""].filter(Boolean);
        add(ctx, {
          id: meta.id,
          severity: smbConnections(ctx) === 0 ? "warning" : "info",
          title: "SMB over a pre-TCP transport (NetBEUI or IPX), not analysed",
          explanation: `The capture holds frames of the transports SMB ran over before TCP/IP: ${over.join(", and ")}. SMB over these is not analysed here${smbConnections(ctx) ? "; the SMB connections over TCP are" : ", so this report cannot say how those sessions were set up (which is not the same as finding no SMB)"}. Windows dropped NetBEUI after Windows 2000 and IPX/NWLink after Windows XP / Server 2003; such traffic today comes from old systems or appliances.`,
          remediation: [
            "Open the capture in Wireshark to read these SMB messages (it decodes NetBIOS Frames and IPX): `netbios || ipx`.",
            "Move the clients and servers involved to SMB over TCP 445 (NetBEUI and IPX cannot be routed and are not supported by current Windows or Samba).",
          ],
          connection: null, frames: [], references: meta.references,
        });
      }
    },
  },
};
