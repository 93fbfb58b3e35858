// QUIC flows from the decoder's EV_QUIC / EV_QUIC_FLOW records (assembly/net/quic.ts) to what the
// Report says of each (Report.quic): the ClientHello's SNI and ALPN, whether the handshake
// completed, and a CONNECTION_CLOSE when one travelled in a readable Initial. A flow is SMB over
// QUIC when its ClientHello offers the ALPN "smb" (MS-SMB2 2.1: SMB 3.1.1 over QUIC, TLS 1.3).
import * as C from "../../../assembly/events";
import * as W from "../../../assembly/wire";
import type { EventRecord } from "../decoder/records";
import { ipText, endpoint } from "../names";
import { initialKeys, parseLongHeader, decryptInitial, parseFrames, assembleCrypto, QUIC_V2, type CryptoChunk } from "./initial";
import { parseClientHello, parseServerHello, closeName } from "./tls";
import type { QuicConnection, QuicHandshake } from "../report";

export type { QuicConnection, QuicHandshake };

export const SMB_ALPN = "smb";

/** Flows kept by the model (the wasm follows at most QUIC_FLOWS at once; a long capture has more over time). */
const MAX_FLOWS = 1000;
/** Datagrams kept per flow (the wasm sends at most 8 long + 4 short each way per entry; a flow that lost its entry and came back sends more). */
const MAX_DATAGRAMS = 32;
/** CRYPTO chunks kept per direction: a ClientHello spans a few packets, not hundreds. */
const MAX_CHUNKS = 64;

/** QuicCollector's slabs: some 40 datagrams of a full size each */
const SLAB_BYTES = 64 * 1024;

interface Datagram { frame: number; ts: number; fromClient: boolean; len: number; bytes: Uint8Array | null }

/** One QUIC flow as the model keeps it: its datagrams (the first long-header ones) and counts. */
export interface QuicFlowModel {
  client: string; server: string; clientIp: string; serverIp: string; serverPort: number;
  datagrams: Datagram[];
  /** long-header datagrams from the client, from the server; short-header (1-RTT) from the client, from the server */
  counts: [number, number, number, number];
  firstFrame: number;
}

/** Gathers the QUIC records of one capture (called by the model builder). */
export class QuicCollector {
  /**
   * The kept flows by a hash of their addresses' bytes (flowKey), each chain checked byte for byte:
   * a record finds its flow, or is let go once MAX_FLOWS are kept, without its addresses made
   * into text (ipText, endpoint: once per flow now, where it was twice per record), and on a
   * capture dense in UDP flows most QUIC records come after the cap. Bounded by MAX_FLOWS.
   */
  private readonly byKey = new Map<number, KeyedFlow>();
  /** flowKey's key: the addresses come from the capture, and one made to collide in a fixed hash
   *  would make every record walk a long chain (serverList.ts keys its hash so, for the same reason);
   *  the key changes only the map's layout, never the order of the flows */
  private readonly seed = (Math.random() * 0x100000000) >>> 0;
  readonly flows: QuicFlowModel[] = [];
  /** the kept datagrams' bytes, in slabs: a copy is a view of the slab, not an ArrayBuffer of its
   *  own (one per datagram was most of the cost of keeping them). Bounded as the datagrams are:
   *  MAX_FLOWS × MAX_DATAGRAMS of at most QUIC_KEEP_BYTES, a slab's unused end less than one. */
  private slab = new Uint8Array(0);
  private slabUsed = 0;

  private copy(v: Uint8Array): Uint8Array {
    if (this.slabUsed + v.length > this.slab.length) { this.slab = new Uint8Array(Math.max(SLAB_BYTES, v.length)); this.slabUsed = 0; }
    const out = this.slab.subarray(this.slabUsed, this.slabUsed + v.length);
    out.set(v);
    this.slabUsed += v.length;
    return out;
  }

  /** One EV_QUIC or EV_QUIC_FLOW record, read in place (no event object; the datagram copied only when kept). */
  add(ev: EventRecord): void {
    const srcB = ev.view(C.F_SRC_IP), dstB = ev.view(C.F_DST_IP);
    const sp = ev.u32(C.F_SRC_PORT), dp = ev.u32(C.F_DST_PORT);
    const fromClient = ev.kind === C.EV_QUIC_FLOW || ev.fromClient;
    const h = fromClient ? flowKey(this.seed, srcB, sp, dstB, dp) : flowKey(this.seed, dstB, dp, srcB, sp);
    let e: KeyedFlow | null | undefined = this.byKey.get(h);
    while (e && !sameKey(e.key)) e = e.next;
    let fl = e?.fl;
    if (!fl) {
      if (this.flows.length >= MAX_FLOWS) return;
      const srcIp = ipText(srcB), dstIp = ipText(dstB);
      const src = endpoint(srcIp, sp as number), dst = endpoint(dstIp, dp as number);
      fl = {
        client: fromClient ? src : dst, server: fromClient ? dst : src, clientIp: fromClient ? srcIp : dstIp, serverIp: fromClient ? dstIp : srcIp,
        serverPort: (fromClient ? dp : sp) as number, datagrams: [], counts: [0, 0, 0, 0], firstFrame: ev.frame,
      };
      this.byKey.set(h, { key: KEY.slice(), fl, next: this.byKey.get(h) ?? null });
      this.flows.push(fl);
    }
    if (ev.kind === C.EV_QUIC_FLOW) {
      const c = ev.view(C.F_QUIC_COUNTS);
      if (c && c.length >= 16) {
        // (added up: a flow that gave its place in the wasm's full table and came back has two of these)
        for (let i = 0; i < 4; i++) fl.counts[i] += (c[4 * i] | (c[4 * i + 1] << 8) | (c[4 * i + 2] << 16) | (c[4 * i + 3] << 24)) >>> 0;
      }
      // a flow followed again after the table was full starts a new entry in the wasm: keep the first frame
      const first = ev.n64(C.F_VALUE);
      if (first !== undefined && first > 0) fl.firstFrame = Math.min(fl.firstFrame, first);
      return;
    }
    if (fl.datagrams.length >= MAX_DATAGRAMS) return;
    const view = ev.view(C.F_QUIC_DATAGRAM);
    const bytes = view ? this.copy(view) : null; // (a view is valid only while the record is read)
    fl.datagrams.push({ frame: ev.frame, ts: ev.tsMs(), fromClient, len: ev.u32(C.F_LEN) ?? bytes?.length ?? 0, bytes });
  }
}

interface KeyedFlow { key: Uint8Array; fl: QuicFlowModel; next: KeyedFlow | null }

/**
 * A flow's key, in KEY: the client's address (16 bytes) and port (4), the server's, and a byte
 * of flags for what is absent (an address of under 16 bytes, a port not given). It stands for the
 * pair of endpoint texts the Report shows, one for one: ipText reads the first 16 bytes of an
 * address, or says "?" for a shorter one; endpoint writes the port as given. The answer: its FNV-1a
 * from `seed`, mixed whole (murmur3's finaliser).
 */
const KEY = new Uint8Array(41);
function flowKey(seed: number, cIp: Uint8Array | undefined, cPort: number | undefined, sIp: Uint8Array | undefined, sPort: number | undefined): number {
  let flags = 0;
  if (cIp && cIp.length >= 16) for (let i = 0; i < 16; i++) KEY[i] = cIp[i]; else { KEY.fill(0, 0, 16); flags |= 1; }
  if (sIp && sIp.length >= 16) for (let i = 0; i < 16; i++) KEY[20 + i] = sIp[i]; else { KEY.fill(0, 20, 36); flags |= 2; }
  if (cPort === undefined) flags |= 4;
  if (sPort === undefined) flags |= 8;
  const cp = cPort ?? 0, spt = sPort ?? 0;
  KEY[16] = cp; KEY[17] = cp >>> 8; KEY[18] = cp >>> 16; KEY[19] = cp >>> 24;
  KEY[36] = spt; KEY[37] = spt >>> 8; KEY[38] = spt >>> 16; KEY[39] = spt >>> 24;
  KEY[40] = flags;
  let h = 0x811c9dc5 ^ seed;
  for (let i = 0; i < KEY.length; i++) h = Math.imul(h ^ KEY[i], 0x01000193);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}
const sameKey = (k: Uint8Array): boolean => {
  for (let i = 0; i < KEY.length; i++) if (k[i] !== KEY[i]) return false;
  return true;
};

interface Side { chunks: CryptoChunk[] }

/**
 * Where each Initial is decrypted: one buffer for all (what is kept of a packet, its CRYPTO data,
 * is copied out; a CONNECTION_CLOSE's reason is made a string), grown for a longer packet.
 */
let plainBytes = new Uint8Array(W.QUIC_KEEP_BYTES);
function plainBuf(n: number): Uint8Array {
  if (plainBytes.length < n) plainBytes = new Uint8Array(n);
  return plainBytes;
}

/** What one flow shows. `smbOnly`: null when its ClientHello does not offer ALPN "smb". */
export function analyzeQuicFlow(fl: QuicFlowModel, smbOnly = true): QuicConnection | null {
  let version = 0;
  let keyDcid: Uint8Array | null = null;
  let retried = false;
  // (a side's keys are derived when one of its packets is first read: initialKeys)
  let keys: ReturnType<typeof initialKeys> = null;
  const client: Side = { chunks: [] }, server: Side = { chunks: [] };
  let close: QuicConnection["close"];
  const helloFrames: number[] = [];
  // the client's first 1-RTT packet: a short-header datagram, or one coalesced behind its Handshake packet (RFC 9000 12.2)
  let clientFirst1Rtt = Infinity;
  for (const d of fl.datagrams) {
    const b = d.bytes;
    if (!b) { if (d.fromClient) clientFirst1Rtt = Math.min(clientFirst1Rtt, d.frame); continue; }
    let off = 0;
    for (let n = 0; off < b.length && n < 8 && (b[off] & 0x80) !== 0; n++) {
      const h = parseLongHeader(b, off);
      if (!h) { off = b.length; break; }
      const start = off;
      off = h.end;
      if (h.type === null) break; // Version Negotiation (version 0) or a version we cannot read
      if (h.type === "retry") { if (!d.fromClient) retried = true; break; }
      if (h.type !== "initial") continue; // Handshake and 0-RTT packets: keys from the TLS exchange, unreadable
      // RFC 9001 5.2: the keys come from the client's first Destination Connection ID, or after a
      // Retry from the one its next Initial carries (RFC 9000 17.2.5.2)
      if (d.fromClient && (!keyDcid || retried)) {
        keyDcid = h.dcid.slice(); version = h.version; retried = false;
        keys = initialKeys(version, keyDcid);
        client.chunks = []; server.chunks = [];
      }
      const side = d.fromClient ? client : server;
      if (!keys) continue;
      const plain = decryptInitial(b, start, h, d.fromClient ? keys.client : keys.server, plainBuf(h.end - start));
      if (!plain) continue;
      const frames = parseFrames(plain);
      for (const c of frames.crypto) if (side.chunks.length < MAX_CHUNKS) side.chunks.push({ offset: c.offset, data: c.data.slice() });
      if (d.fromClient && frames.crypto.length && helloFrames.length < 8 && !helloFrames.includes(d.frame)) helloFrames.push(d.frame);
      if (frames.close && !close) {
        close = { frame: d.frame, from: d.fromClient ? "client" : "server", frameType: frames.close.frameType, errorCode: frames.close.errorCode,
          name: closeName(frames.close.frameType, frames.close.errorCode), reason: frames.close.reason };
      }
    }
    if (d.fromClient && off > 0 && off < b.length && (b[off] & 0x80) === 0) clientFirst1Rtt = Math.min(clientFirst1Rtt, d.frame);
  }
  const hello = parseClientHello(assembleCrypto(client.chunks));
  if (smbOnly && !hello?.alpn.includes(SMB_ALPN)) return null;
  const sHello = parseServerHello(assembleCrypto(server.chunks));
  const [lc, ls, sc, ss] = fl.counts;
  const fromServer = ls + ss || fl.datagrams.filter((d) => !d.fromClient).length;
  const fromClient = lc + sc || fl.datagrams.filter((d) => d.fromClient).length;
  // Completed: the client sent 1-RTT (it has finished its handshake, RFC 9001 4.1.1) and the server then
  // sent 1-RTT-only datagrams after its last Handshake packet: a server that completes the handshake
  // discards its Handshake keys (RFC 9001 4.9.2). A server that instead goes on with Handshake packets
  // and stops did not accept the client's last flight (its alert travels encrypted): refusedAfterFinished.
  const fromSrv = fl.datagrams.filter((d) => !d.fromClient);
  const serverLong = fromSrv.filter((d) => d.bytes), serverShort = fromSrv.filter((d) => !d.bytes);
  const lastLong = serverLong.length ? serverLong[serverLong.length - 1].frame : 0;
  const allLongKept = serverLong.length >= ls; // else later Handshake packets were only counted
  const laterShort = serverShort.some((d) => d.frame > Math.max(clientFirst1Rtt, lastLong)) || (ss > serverShort.length && allLongKept);
  const laterLong = serverLong.some((d) => d.frame > clientFirst1Rtt);
  let handshake: QuicHandshake;
  if (close) handshake = "closed";
  else if (fromServer === 0) handshake = "no-answer";
  else if (clientFirst1Rtt !== Infinity && (laterShort || (!allLongKept && ss > 0))) handshake = "completed";
  else handshake = "incomplete";
  const first = fl.datagrams[0], last = fl.datagrams[fl.datagrams.length - 1];
  const out: QuicConnection = {
    client: fl.client, server: fl.server, port: fl.serverPort, sni: hello?.sni ?? null, alpn: hello?.alpn ?? [],
    version: version === QUIC_V2 ? "2" : "1", firstFrame: fl.firstFrame, lastFrame: last?.frame ?? fl.firstFrame,
    handshake, serverHello: sHello !== null, datagrams: { client: fromClient, server: fromServer }, helloFrames,
  };
  if (handshake === "no-answer" && first && last) out.unansweredMs = Math.round((last.ts - first.ts) * 1000) / 1000;
  if (close) out.close = close;
  if (handshake === "incomplete" && clientFirst1Rtt !== Infinity && laterLong && !laterShort) out.refusedAfterFinished = clientFirst1Rtt;
  return out;
}

const analysed = new WeakMap<object, QuicConnection[]>();

/** The SMB over QUIC connections of a capture model (computed once per model). */
export function smbOverQuic(m: { quic: QuicFlowModel[] }): QuicConnection[] {
  let r = analysed.get(m);
  if (!r) {
    r = [];
    for (const fl of m.quic) { const c = analyzeQuicFlow(fl); if (c) r.push(c); }
    analysed.set(m, r);
  }
  return r;
}
