// The well-known ports, to say what a capture without SMB (or an SMB probe) holds.
export const WELL_KNOWN: Record<number, string> = {
  20: "FTP data", 21: "FTP", 22: "SSH", 23: "Telnet", 25: "SMTP", 53: "DNS", 67: "DHCP", 80: "HTTP", 88: "Kerberos",
  110: "POP3", 123: "NTP", 135: "RPC endpoint mapper", 137: "NetBIOS name", 138: "NetBIOS datagram", 139: "NetBIOS session",
  143: "IMAP", 389: "LDAP", 443: "HTTPS", 445: "SMB", 464: "Kerberos password", 636: "LDAPS", 1900: "SSDP",
  3268: "Global Catalog", 3389: "RDP", 5353: "mDNS", 5355: "LLMNR", 5985: "WinRM",
};

/** "tcp/80 (HTTP): 120 packets", busiest first (six TCP ports, four UDP). */
export function describePorts(tcp: [number, number][], udp: [number, number][]): string[] {
  const out: string[] = [];
  for (const [p, n] of tcp.slice(0, 6)) out.push(`tcp/${p}${WELL_KNOWN[p] ? ` (${WELL_KNOWN[p]})` : ""}: ${n} packets`);
  for (const [p, n] of udp.slice(0, 4)) out.push(`udp/${p}${WELL_KNOWN[p] ? ` (${WELL_KNOWN[p]})` : ""}: ${n} packets`);
  return out;
}
