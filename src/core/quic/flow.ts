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

/**
 * One QUIC flow as the model keeps it: its addresses, counts, and what its first MAX_DATAGRAMS
 * datagrams said, read as each came (QuicCollector.add → readDatagram): no datagram is kept.
 */
export interface QuicFlowModel {
  client: string; server: string; clientIp: string; serverIp: string; serverPort: number;
  /** long-header datagrams from the client, from the server; short-header (1-RTT) from the client, from the server */
  counts: [number, number, number, number];
  firstFrame: number;
  read: FlowReading;
}

/**
 * What a flow's datagrams said, each read as it came (readDatagram), in arrival order: the Initial
 * keys and what their packets held (CRYPTO chunks, the first CONNECTION_CLOSE, the ClientHello's
 * frames), and of the datagrams themselves only what analyzeQuicFlow's end reads — how many each
 * way, the first's and the last's time and frame, and the server's last and latest long-header and
 * latest short-header frames (where it kept every datagram's frame, ts and direction).
 */
class FlowReading {
  /** datagrams read (at most MAX_DATAGRAMS; later ones are not) */
  n = 0;
  nClient = 0;
  /** the server's datagrams with a long header (the decoder sent their bytes), and without */
  nServerLong = 0;
  nServerShort = 0;
  firstTs = 0;
  lastTs = 0;
  lastFrame = 0;
  /** the frame of the server's last long-header datagram in arrival order, and the highest such frame */
  serverLongLast = 0;
  serverLongMax = -Infinity;
  /** the highest frame of a server datagram without a long header */
  serverShortMax = -Infinity;
  version = 0;
  keyDcid: Uint8Array | null = null;
  retried = false;
  /**
   * The Initial keys of keyDcid (a side's derived when one of its packets is first read:
   * initialKeys). Let go when the decoder's entry for the flow ends (its EV_QUIC_FLOW: keysGone)
   * and derived again if the flow comes back, so that only the flows the decoder follows at once
   * hold keys (some 4 KB a flow, both sides: 1000 flows held 4.3 MiB) and not every flow kept; let go for good after the last datagram read.
   */
  keys: ReturnType<typeof initialKeys> = null;
  keysGone = false;
  clientChunks: CryptoChunk[] = [];
  serverChunks: CryptoChunk[] = [];
  close: QuicConnection["close"] = undefined;
  helloFrames: number[] = [];
  /** the client's first 1-RTT packet: a short-header datagram, or one coalesced behind its Handshake packet (RFC 9000 12.2) */
  clientFirst1Rtt = Infinity;
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
  /** the copies kept (flow keys, connection ids, CRYPTO data) */
  private readonly bytes = new ByteSlab();
  /** One EV_QUIC or EV_QUIC_FLOW record, read in place (no event object, no copy of the datagram). */
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
        serverPort: (fromClient ? dp : sp) as number, counts: [0, 0, 0, 0], firstFrame: ev.frame, read: new FlowReading(),
      };
      this.byKey.set(h, { key: this.bytes.copy(KEY), fl, next: this.byKey.get(h) ?? null });
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
      // the decoder's entry for the flow ended: its datagrams, if it comes back, are a while away
      if (fl.read.keys) { fl.read.keys = null; fl.read.keysGone = true; }
      return;
    }
    if (fl.read.n >= MAX_DATAGRAMS) return;
    // read in place: the view is valid only while the record is read, and nothing of it is kept but copies
    readDatagram(fl.read, ev.frame, ev.tsMs(), fromClient, ev.view(C.F_QUIC_DATAGRAM) ?? null, this.bytes);
  }
}

/**
 * Small copies kept to the end, in slabs: a copy is a view of a slab, not an ArrayBuffer of its own
 * (each of those costs some 100 bytes of heap beside its bytes, more than most copies here). Nothing
 * copied is let go before the collector (chunks a Retry set aside stay too), so the slabs hold at most
 * MAX_FLOWS flow keys, and of the datagrams read their connection ids and CRYPTO data: less than
 * the datagrams themselves were (MAX_FLOWS × MAX_DATAGRAMS × QUIC_KEEP_BYTES), a slab's unused end less than one copy.
 */
class ByteSlab {
  private slab = new Uint8Array(0);
  private used = 0;
  copy(v: Uint8Array): Uint8Array {
    if (this.used + v.length > this.slab.length) { this.slab = new Uint8Array(Math.max(SLAB_BYTES, v.length)); this.used = 0; }
    const out = this.slab.subarray(this.used, this.used + v.length);
    out.set(v);
    this.used += v.length;
    return out;
  }
}
const SLAB_BYTES = 16 * 1024;

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

/**
 * Where each Initial is decrypted: one buffer for all (what is kept of a packet, its CRYPTO data,
 * is copied out; a CONNECTION_CLOSE's reason is made a string), grown for a longer packet.
 */
let plainBytes = new Uint8Array(W.QUIC_KEEP_BYTES);
function plainBuf(n: number): Uint8Array {
  if (plainBytes.length < n) plainBytes = new Uint8Array(n);
  return plainBytes;
}

/**
 * One datagram of a flow, as it comes (`b`: its bytes when it has a long header, else null): its
 * Initial packets decrypted and their CRYPTO data, CONNECTION_CLOSE and ClientHello frame noted
 * in `r`. The datagrams of a flow are read in the order the decoder sent them.
 */
function readDatagram(r: FlowReading, frame: number, ts: number, fromClient: boolean, b: Uint8Array | null, keep: ByteSlab): void {
  if (r.n === 0) r.firstTs = ts;
  r.n++;
  r.lastTs = ts; r.lastFrame = frame;
  if (fromClient) r.nClient++;
  else if (b) { r.nServerLong++; r.serverLongLast = frame; r.serverLongMax = Math.max(r.serverLongMax, frame); }
  else { r.nServerShort++; r.serverShortMax = Math.max(r.serverShortMax, frame); }
  if (!b) { if (fromClient) r.clientFirst1Rtt = Math.min(r.clientFirst1Rtt, frame); }
  else {
    let off = 0;
    for (let n = 0; off < b.length && n < 8 && (b[off] & 0x80) !== 0; n++) {
      const h = parseLongHeader(b, off);
      if (!h) { off = b.length; break; }
      const start = off;
      off = h.end;
      if (h.type === null) break; // Version Negotiation (version 0) or a version we cannot read
      if (h.type === "retry") { if (!fromClient) r.retried = true; break; }
      if (h.type !== "initial") continue; // Handshake and 0-RTT packets: keys from the TLS exchange, unreadable
      // RFC 9001 5.2: the keys come from the client's first Destination Connection ID, or after a
      // Retry from the one its next Initial carries (RFC 9000 17.2.5.2)
      if (fromClient && (!r.keyDcid || r.retried)) {
        r.keyDcid = keep.copy(h.dcid); r.version = h.version; r.retried = false;
        r.keys = initialKeys(r.version, r.keyDcid); r.keysGone = false;
        r.clientChunks = []; r.serverChunks = [];
      } else if (r.keysGone) { r.keys = initialKeys(r.version, r.keyDcid!); r.keysGone = false; } // the same keys as before
      const chunks = fromClient ? r.clientChunks : r.serverChunks;
      if (!r.keys) continue;
      const plain = decryptInitial(b, start, h, fromClient ? r.keys.client : r.keys.server, plainBuf(h.end - start));
      if (!plain) continue;
      const frames = parseFrames(plain);
      for (const c of frames.crypto) if (chunks.length < MAX_CHUNKS) chunks.push({ offset: c.offset, data: keep.copy(c.data) });
      if (fromClient && frames.crypto.length && r.helloFrames.length < 8 && !r.helloFrames.includes(frame)) r.helloFrames.push(frame);
      if (frames.close && !r.close) {
        r.close = { frame, from: fromClient ? "client" : "server", frameType: frames.close.frameType, errorCode: frames.close.errorCode,
          name: closeName(frames.close.frameType, frames.close.errorCode), reason: frames.close.reason };
      }
    }
    if (fromClient && off > 0 && off < b.length && (b[off] & 0x80) === 0) r.clientFirst1Rtt = Math.min(r.clientFirst1Rtt, frame);
  }
  if (r.n >= MAX_DATAGRAMS) r.keys = null; // the flow's last datagram read: its keys are needed no more
}

/** What one flow shows (from what its datagrams said as they came: readDatagram). `smbOnly`: null when its ClientHello does not offer ALPN "smb". */
export function analyzeQuicFlow(fl: QuicFlowModel, smbOnly = true): QuicConnection | null {
  const r = fl.read, version = r.version, clientFirst1Rtt = r.clientFirst1Rtt;
  // (copies: the answer shares nothing with the model, as when it was made afresh here)
  const close = r.close && { ...r.close }, helloFrames = r.helloFrames.slice();
  const hello = parseClientHello(assembleCrypto(r.clientChunks));
  if (smbOnly && !hello?.alpn.includes(SMB_ALPN)) return null;
  const sHello = parseServerHello(assembleCrypto(r.serverChunks));
  const [lc, ls, sc, ss] = fl.counts;
  const fromServer = ls + ss || r.nServerLong + r.nServerShort;
  const fromClient = lc + sc || r.nClient;
  // Completed: the client sent 1-RTT (it has finished its handshake, RFC 9001 4.1.1) and the server then
  // sent 1-RTT-only datagrams after its last Handshake packet: a server that completes the handshake
  // discards its Handshake keys (RFC 9001 4.9.2). A server that instead goes on with Handshake packets
  // and stops did not accept the client's last flight (its alert travels encrypted): refusedAfterFinished.
  // (Of the server's datagrams read: some short-header one after both, some long-header one after the client's 1-RTT.)
  const lastLong = r.serverLongLast; // (0 when the server sent none)
  const allLongKept = r.nServerLong >= ls; // else later Handshake packets were only counted
  const laterShort = r.serverShortMax > Math.max(clientFirst1Rtt, lastLong) || (ss > r.nServerShort && allLongKept);
  const laterLong = r.serverLongMax > clientFirst1Rtt;
  let handshake: QuicHandshake;
  if (close) handshake = "closed";
  else if (fromServer === 0) handshake = "no-answer";
  else if (clientFirst1Rtt !== Infinity && (laterShort || (!allLongKept && ss > 0))) handshake = "completed";
  else handshake = "incomplete";
  const out: QuicConnection = {
    client: fl.client, server: fl.server, port: fl.serverPort, sni: hello?.sni ?? null, alpn: hello?.alpn ?? [],
    version: version === QUIC_V2 ? "2" : "1", firstFrame: fl.firstFrame, lastFrame: r.n ? r.lastFrame : fl.firstFrame,
    handshake, serverHello: sHello !== null, datagrams: { client: fromClient, server: fromServer }, helloFrames,
  };
  if (handshake === "no-answer" && r.n) out.unansweredMs = Math.round((r.lastTs - r.firstTs) * 1000) / 1000;
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
