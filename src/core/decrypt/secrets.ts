// The secrets a user gives to see through SMB3 encryption (issue 18), and how the page and the
// CLI read a session key. No cryptography here: the page imports this module alone (the decrypt
// stage, decrypt/session.ts, and its crypto run in the worker).
import type { KeytabEntry } from "./keytab";

/** What the user gave. Kept by the stage only while the analysis runs. */
export interface Secrets {
  /** each one is tried against every NTLM session */
  passwords: string[];
  /** SMB session keys (the ExportedSessionKey), per session id, as Wireshark's SMB2 secrets table takes them */
  sessionKeys: { sessionId: bigint; key: Uint8Array }[];
  /** Kerberos service keys: the entries of the keytab files given (CLI --keytab; the worker reads the page's files) */
  keytabs?: KeytabEntry[];
  /** page → worker only: the keytab files the user picked, read and parsed in the worker (readKeytabFiles), never kept */
  keytabFiles?: { name: string; file: Blob }[];
}

export const hasSecrets = (s: Secrets | undefined): s is Secrets =>
  !!s && (s.passwords.length > 0 || s.sessionKeys.length > 0 || (s.keytabs?.length ?? 0) > 0);

/**
 * A `SESSIONID:HEX` argument: the key (16 or 32 bytes of hex) of one session, whose id is given as
 * Wireshark shows it (`0x00000000d5aebe26`, the Report's form) or as Wireshark's SMB2 secrets table
 * takes it, the 8 bytes as on the wire (`26beaed500000000`). Sixteen hex digits without `0x` can be
 * either: both are kept (an id names a key only if that session exists, and its messages then
 * authenticate with it). The parsed keys, or an error that says what is wrong (never the key).
 */
export function parseSessionKey(arg: string): Secrets["sessionKeys"] | { error: string } {
  const m = /^\s*(0x)?([0-9a-f]{1,16})\s*:\s*([0-9a-f\s]*)$/i.exec(arg);
  if (!m) return { error: "expected SESSIONID:HEX (a session id such as 0x00000000fbb66b6c, a colon, then the key in hex)" };
  const hex = m[3].replace(/\s+/g, "");
  if (hex.length !== 32 && hex.length !== 64) return { error: `the key must be 16 or 32 bytes (32 or 64 hex digits); this one has ${hex.length} digits` };
  const key = new Uint8Array(hex.length / 2);
  for (let i = 0; i < key.length; i++) key[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  const id = BigInt(`0x${m[2]}`);
  const out = [{ sessionId: id, key }];
  if (!m[1] && m[2].length === 16) {
    let wire = 0n;
    for (let i = 0; i < 8; i++) wire |= BigInt(parseInt(m[2].slice(2 * i, 2 * i + 2), 16)) << BigInt(8 * i);
    if (wire !== id) out.push({ sessionId: wire, key });
  }
  return out;
}
