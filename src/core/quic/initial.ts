// Reading QUIC Initial packets (RFC 9000 17.2.2, RFC 9001 5): their protection uses keys anyone can
// derive from the client's Destination Connection ID, so an observer reads the TLS ClientHello and
// ServerHello (SNI, ALPN) and any CONNECTION_CLOSE sent in an Initial. Handshake and 1-RTT packets
// use keys from the TLS exchange and stay unreadable. Versions 1 (RFC 9001) and 2 (RFC 9369).
// Pure synchronous code over the shared crypto (src/core/crypto); every length is checked, a
// malformed packet gives null or stops the frame loop, nothing throws.
import { Aes, aesGcmDecrypt, hkdfSha256Expand, HmacSha256, HkdfSha256 } from "../crypto";
import { QUIC_V1, QUIC_V2 } from "../../../assembly/wire";

export { QUIC_V1, QUIC_V2 };

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => parseInt(b, 16)));

interface Version { salt: Uint8Array; key: string; iv: string; hp: string; labels?: Labels }
/** RFC 9001 5.2 / RFC 9369 3.3.1: initial_salt and the labels of each version. */
const VERSIONS: ReadonlyMap<number, Version> = new Map([
  [QUIC_V1, { salt: hex("38762cf7f55934b34d179ae6a4c80cadccbb7f0a"), key: "quic key", iv: "quic iv", hp: "quic hp" }],
  [QUIC_V2, { salt: hex("0dede3def700a6db819381be6e269dcbf9bd2ed9"), key: "quicv2 key", iv: "quicv2 iv", hp: "quicv2 hp" }],
]);

export type LongType = "initial" | "0-rtt" | "handshake" | "retry";
/** RFC 9000 17.2 (v1) and RFC 9369 3.2 (v2) long packet types, by the two type bits. */
const TYPES: Record<number, readonly LongType[]> = {
  [QUIC_V1]: ["initial", "0-rtt", "handshake", "retry"],
  [QUIC_V2]: ["retry", "initial", "0-rtt", "handshake"],
};

export const isReadableVersion = (v: number) => VERSIONS.has(v);

/** TLS 1.3 HKDF-Expand-Label (RFC 8446 7.1) with an empty context. */
export function hkdfExpandLabel(secret: Uint8Array, label: string, length: number): Uint8Array {
  return hkdfSha256Expand(secret, labelInfo(label, length), length);
}

/** HkdfLabel's bytes, made once per label and length (every QUIC flow derives the same six). */
const infos = new Map<string, Uint8Array>();
function labelInfo(label: string, length: number): Uint8Array {
  const k = `${length} ${label}`;
  let info = infos.get(k);
  if (!info) {
    const full = new TextEncoder().encode(`tls13 ${label}`);
    info = new Uint8Array(4 + full.length);
    info[0] = length >> 8; info[1] = length & 0xff; info[2] = full.length; info.set(full, 3); info[3 + full.length] = 0;
    infos.set(k, info);
  }
  return info;
}

/** One side's Initial keys: `aes` is `key` expanded (once for all the side's packets), `hp` the header protection key's. */
export interface InitialKeys { key: Uint8Array; iv: Uint8Array; hpKey: Uint8Array; hp: Aes; aes: Aes }

/**
 * RFC 9001 5.2: the client's and the server's Initial keys from the client's first Destination
 * Connection ID. Each side's are derived when first read: a flow the server never answered
 * (or answered with no Initial) needs the client's only, and deriving a side is most of the cost
 * of reading a flow's ClientHello (9 HMAC-SHA256 for both). Each HMAC key is padded and hashed
 * once (HmacSha256, HkdfSha256: the salt's once for all flows, a secret's once for its three or
 * four expansions), so an HMAC of these short inputs costs 2 compressions where it cost 4.
 */
export function initialKeys(version: number, dcid: Uint8Array): { readonly client: InitialKeys; readonly server: InitialKeys } | null {
  const v = VERSIONS.get(version);
  if (!v) return null;
  const l = (v.labels ??= {
    extract: new HmacSha256(v.salt), client: labelInfo("client in", 32), server: labelInfo("server in", 32),
    key: labelInfo(v.key, 16), iv: labelInfo(v.iv, 12), hp: labelInfo(v.hp, 16),
  });
  // HKDF-Extract(initial_salt, DCID) (RFC 5869 2.2: HMAC keyed with the salt)
  return new FlowKeys(l, new HkdfSha256(l.extract.mac(dcid)));
}

/** A version's HMAC of its salt and its HkdfLabels, made once. */
interface Labels { extract: HmacSha256; client: Uint8Array; server: Uint8Array; key: Uint8Array; iv: Uint8Array; hp: Uint8Array }

/** initialKeys' answer: each side's keys made when first asked for (a class: an object literal with getters is slow to make). */
class FlowKeys {
  private c: InitialKeys | null = null;
  private s: InitialKeys | null = null;
  constructor(private readonly l: Labels, private readonly initial: HkdfSha256) {}
  get client(): InitialKeys { return (this.c ??= this.side(this.l.client)); }
  get server(): InitialKeys { return (this.s ??= this.side(this.l.server)); }
  private side(label: Uint8Array): InitialKeys {
    const l = this.l, s = new HkdfSha256(this.initial.expand(label, 32));
    const hpKey = s.expand(l.hp, 16), key = s.expand(l.key, 16);
    return { key, iv: s.expand(l.iv, 12), hpKey, hp: new Aes(hpKey), aes: new Aes(key) };
  }
}

/** A variable-length integer (RFC 9000 16) at `off`, or null when it runs past `end`. */
export function varint(b: Uint8Array, off: number, end = b.length): { v: number; next: number } | null {
  if (off >= end) return null;
  const n = 1 << (b[off] >> 6);
  if (off + n > end) return null;
  let v = b[off] & 0x3f;
  for (let i = 1; i < n; i++) v = v * 256 + b[off + i]; // up to 2^62: a double holds it to 2^53, enough for any length here
  return { v, next: off + n };
}

export interface LongHeader {
  version: number;
  /** null for a Version Negotiation packet (version 0) or an unknown version */
  type: LongType | null;
  dcid: Uint8Array;
  scid: Uint8Array;
  /** offset of the Packet Number field (Initial, 0-RTT, Handshake) */
  pnOffset: number;
  /** offset just past this packet (the next coalesced packet starts here) */
  end: number;
}

/** The long header at `off` of a datagram (RFC 9000 17.2), or null when it is not one or lies about its lengths. */
export function parseLongHeader(d: Uint8Array, off: number): LongHeader | null {
  if (off + 7 > d.length || (d[off] & 0x80) === 0) return null;
  const version = ((d[off + 1] << 24) | (d[off + 2] << 16) | (d[off + 3] << 8) | d[off + 4]) >>> 0;
  let p = off + 5;
  const dcil = d[p++];
  if (dcil > 20 || p + dcil + 1 > d.length) return null;
  const dcid = d.subarray(p, p + dcil); p += dcil;
  const scil = d[p++];
  if (scil > 20 || p + scil > d.length) return null;
  const scid = d.subarray(p, p + scil); p += scil;
  const types = TYPES[version];
  if (!types) return { version, type: null, dcid, scid, pnOffset: p, end: d.length };
  const type = types[(d[off] >> 4) & 3];
  if (type === "retry") return { version, type, dcid, scid, pnOffset: p, end: d.length };
  if (type === "initial") {
    const tl = varint(d, p);
    if (!tl || tl.next + tl.v > d.length) return null;
    p = tl.next + tl.v;
  }
  const len = varint(d, p);
  if (!len || len.v < 20 || len.next + len.v > d.length) return null; // 4 bytes of packet number room for the sample + a 16-byte tag
  return { version, type, dcid, scid, pnOffset: len.next, end: len.next + len.v };
}

// decryptInitial's header protection mask, nonce and unprotected header: one of each for all packets
const MASK = new Uint8Array(16), NONCE = new Uint8Array(12);
let headerBuf = new Uint8Array(128);

/**
 * Removes header protection (RFC 9001 5.4) and decrypts (5.3) the Initial packet `h` of datagram
 * `d` with `keys`; the plaintext frames, or null when it does not authenticate. With `out` (as
 * long as the packet) the plaintext is written there (aesGcmDecrypt): valid until the next call
 * that is given the same buffer.
 */
export function decryptInitial(d: Uint8Array, start: number, h: LongHeader, keys: InitialKeys, out?: Uint8Array): Uint8Array | null {
  const sampleAt = h.pnOffset + 4;
  if (sampleAt + 16 > h.end) return null;
  const mask = MASK;
  keys.hp.encryptBlock(d, sampleAt, mask, 0);
  const first = d[start] ^ (mask[0] & 0x0f);
  const pnLen = (first & 3) + 1;
  // the unprotected header, the AAD: in a buffer kept for all packets (a header is its token's
  // length and some 60 bytes; the buffer grows for a longer one)
  const hl = h.pnOffset + pnLen - start;
  if (headerBuf.length < hl) headerBuf = new Uint8Array(Math.max(hl, 2 * headerBuf.length));
  const header = headerBuf.subarray(0, hl);
  for (let i = 0; i < hl; i++) header[i] = d[start + i];
  header[0] = first;
  let pn = 0;
  for (let i = 0; i < pnLen; i++) {
    header[h.pnOffset - start + i] ^= mask[1 + i];
    pn = pn * 256 + header[h.pnOffset - start + i];
  }
  const nonce = NONCE;
  nonce.set(keys.iv);
  for (let i = 0; i < 4; i++) nonce[11 - i] ^= (pn >>> (8 * i)) & 0xff; // packet numbers are below 2^32 in a handshake
  const body = h.pnOffset + pnLen;
  if (h.end - body < 16) return null;
  return aesGcmDecrypt(keys.aes, nonce, header, d.subarray(body, h.end - 16), d.subarray(h.end - 16, h.end), out);
}

export interface CryptoChunk { offset: number; data: Uint8Array }
export interface ConnectionClose {
  /** 0x1c: a transport error (TLS alerts are 0x0100 + alert); 0x1d: the application's */
  frameType: number;
  errorCode: number;
  reason: string;
}
export interface InitialFrames { crypto: CryptoChunk[]; close: ConnectionClose | null; ack: boolean; ping: boolean }

const utf8 = new TextDecoder("utf-8");

/** The frames an Initial may carry (RFC 9000 17.2.2, 19): PADDING, PING, ACK, CRYPTO, CONNECTION_CLOSE. Stops at anything else. */
export function parseFrames(p: Uint8Array): InitialFrames {
  const out: InitialFrames = { crypto: [], close: null, ack: false, ping: false };
  let i = 0;
  while (i < p.length) {
    const t = p[i];
    if (t === 0x00) { i++; continue; }
    if (t === 0x01) { out.ping = true; i++; continue; }
    if (t === 0x02 || t === 0x03) {
      // Largest, Delay, Range Count, First Range, ranges (Gap, Length), ECN counts for 0x03
      let q: { v: number; next: number } | null = { v: 0, next: i + 1 };
      const fields: number[] = [];
      for (let k = 0; k < 4 && q; k++) { q = varint(p, q.next); if (q) fields.push(q.v); }
      if (!q || fields[2] > 256) return out;
      for (let k = 0; k < fields[2] * 2 + (t === 0x03 ? 3 : 0) && q; k++) q = varint(p, q.next);
      if (!q) return out;
      out.ack = true; i = q.next; continue;
    }
    if (t === 0x06) {
      const off = varint(p, i + 1); const len = off && varint(p, off.next);
      if (!off || !len || len.next + len.v > p.length) return out;
      out.crypto.push({ offset: off.v, data: p.subarray(len.next, len.next + len.v) });
      i = len.next + len.v; continue;
    }
    if (t === 0x1c || t === 0x1d) {
      const code = varint(p, i + 1);
      const ft = code && (t === 0x1c ? varint(p, code.next) : { v: 0, next: code.next });
      const rl = ft && varint(p, ft.next);
      if (!code || !rl) return out;
      const reason = p.subarray(rl.next, Math.min(p.length, rl.next + rl.v, rl.next + 512));
      out.close = { frameType: t, errorCode: code.v, reason: utf8.decode(reason) };
      return out;
    }
    return out; // a frame an Initial must not carry: stop
  }
  return out;
}

/** Contiguous CRYPTO data from offset 0, at most `limit` bytes (later chunks past a hole are left out). */
export function assembleCrypto(chunks: readonly CryptoChunk[], limit = 16384): Uint8Array {
  const sorted = [...chunks].sort((a, b) => a.offset - b.offset);
  let have = 0;
  for (const c of sorted) {
    if (c.offset > have || c.offset >= limit) break;
    have = Math.max(have, Math.min(limit, c.offset + c.data.length));
  }
  const out = new Uint8Array(have);
  for (const c of sorted) {
    if (c.offset >= have) break;
    out.set(c.data.subarray(0, Math.min(c.data.length, have - c.offset)), c.offset);
  }
  return out;
}
