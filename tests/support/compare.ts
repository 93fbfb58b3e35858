// Compares the decoder's events with a tshark dump of the same capture, frame by frame.
import * as C from "../../assembly/events";
import type { RawEvent } from "../../src/core/decoder/records";
import { smb2Dialect } from "../../src/core/names";
import { num, type TsharkRow } from "./tshark";

export interface Mismatch { frame: number; what: string; ours: unknown; tshark: unknown }

const hex64 = (v: bigint) => v.toString(16);
const u16s = (b: Uint8Array) => { const o: number[] = []; for (let i = 0; i + 1 < b.length; i += 2) o.push(b[i] | (b[i + 1] << 8)); return o; };

export function compareWithTshark(events: RawEvent[], rows: Map<number, TsharkRow>): Mismatch[] {
  const byFrame = new Map<number, RawEvent[]>();
  // SMB that a client sent to another protocol's port (EV_NOT_SMB): tshark, which has no SMB
  // heuristic on TCP, shows only TCP there
  const notSmb = new Set(events.filter((e) => e.kind === C.EV_NOT_SMB).map((e) => e.stream));
  for (const e of events) {
    if (notSmb.has(e.stream)) continue;
    if (e.kind !== C.EV_SMB2 && e.kind !== C.EV_SMB1 && e.kind !== C.EV_SMB_TRANSFORM) continue;
    if (e.f.truncated !== undefined && e.f.cmd === undefined) continue;
    let l = byFrame.get(e.frame);
    if (!l) byFrame.set(e.frame, (l = []));
    l.push(e);
  }
  const out: Mismatch[] = [];
  const eq = (frame: number, what: string, ours: unknown, tshark: unknown) => {
    if (JSON.stringify(ours) !== JSON.stringify(tshark)) out.push({ frame, what, ours, tshark });
  };
  for (const [frame, row] of rows) {
    // SMB over TCP only: NetBIOS datagrams (UDP 138 browser announcements) are not connections
    if ((row["tcp.stream"] ?? []).length === 0) continue;
    const evs = byFrame.get(frame) ?? [];
    const s2 = evs.filter((e) => e.kind === C.EV_SMB2);
    const s1 = evs.filter((e) => e.kind === C.EV_SMB1);
    const tf = evs.filter((e) => e.kind === C.EV_SMB_TRANSFORM);
    eq(frame, "smb2.cmd", s2.map((e) => e.f.cmd), (row["smb2.cmd"] ?? []).map(num));
    eq(frame, "smb2.flags.response", s2.map((e) => e.f.response), (row["smb2.flags.response"] ?? []).map(num));
    eq(frame, "smb2.nt_status", s2.filter((e) => e.f.status !== undefined).map((e) => e.f.status), (row["smb2.nt_status"] ?? []).map(num));
    eq(frame, "smb2.msg_id", s2.map((e) => String(e.f.msgId)), (row["smb2.msg_id"] ?? []).map((s) => String(BigInt(s))));
    eq(frame, "smb2.sesid", [...s2, ...tf].map((e) => hex64(e.f.sessionId as bigint)), (row["smb2.sesid"] ?? []).map((s) => BigInt(s).toString(16)));
    // tshark also lists each AndX block's AndXCommand as smb.cmd (0xFF ends a chain)
    const collapse = (l: number[]) => l.filter((c, i) => c !== 0xff && c !== l[i - 1]);
    const ours1 = s1.flatMap((e) => (e.f.andx !== undefined ? [e.f.cmd as number, e.f.andx as number] : [e.f.cmd as number]));
    eq(frame, "smb.cmd", collapse(ours1), collapse((row["smb.cmd"] ?? []).map(num)));
    // SMB1 status, once per header (the commands of an AndX chain share it): NT form or DOS class and code
    const heads1 = s1.filter((e, i) => i === 0 || s1[i - 1].f.andx === undefined || s1[i - 1].f.andx === 0xff);
    eq(frame, "smb.nt_status", heads1.filter((e) => e.f.status !== undefined).map((e) => e.f.status), (row["smb.nt_status"] ?? []).map(num));
    if (row["smb.error_class"] !== undefined) {
      const dos = heads1.filter((e) => e.f.dosClass !== undefined);
      eq(frame, "smb.error_class", dos.map((e) => e.f.dosClass), row["smb.error_class"].map(num));
      eq(frame, "smb.error_code", dos.map((e) => e.f.dosCode), (row["smb.error_code"] ?? []).map(num));
      eq(frame, "smb.pid", heads1.map((e) => (e.f.smb1Pid as number) & 0xffff), (row["smb.pid"] ?? []).map(num));
      eq(frame, "smb.mid", heads1.map((e) => Number(e.f.msgId)), (row["smb.mid"] ?? []).map(num));
    }
    if (s1.length || s2.length || tf.length) eq(frame, "tcp.stream", [...new Set(evs.map((e) => e.stream))], (row["tcp.stream"] ?? []).map(num));
    // Dialects: offered list (request) or the chosen one (response)
    const dialects: string[] = [];
    for (const e of s2) {
      if (e.f.dialects instanceof Uint8Array) for (const d of u16s(e.f.dialects)) dialects.push(smb2Dialect(d));
      if (e.f.dialect !== undefined) dialects.push(smb2Dialect(e.f.dialect as number));
    }
    const tsDialects = (row["smb2.dialect"] ?? []).map((s) => smb2Dialect(num(s)));
    if (s2.some((e) => e.f.cmd === 0)) eq(frame, "smb2.dialect", dialects, tsDialects);
    const trees = s2.filter((e) => e.f.tree !== undefined).map((e) => e.f.tree);
    if (trees.length) eq(frame, "smb2.tree", trees, (row["smb2.tree"] ?? []).slice(0, trees.length));
  }
  // Nothing of ours where tshark saw no SMB
  for (const [frame, evs] of byFrame) {
    if (!rows.has(frame)) out.push({ frame, what: "extra SMB events", ours: evs.map((e) => e.f.cmd), tshark: null });
  }
  return out;
}
