// Test-only DER writer, to build crafted Kerberos messages (AP-REQ, AP-REP, ...) with keys we
// choose, for the paths a real capture of ours does not take (rc4-hmac, aes128 tickets, no
// subkeys, bare GSS tokens). The product only reads DER (src/core/decrypt/der.ts).
export type Der = Uint8Array;

function len(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 255);
  return [0x80 | out.length, ...out];
}
export const tlv = (tag: number, body: Uint8Array): Der => new Uint8Array([tag, ...len(body.length), ...body]);
const cat = (...parts: Uint8Array[]) => { const o = new Uint8Array(parts.reduce((n, p) => n + p.length, 0)); let i = 0; for (const p of parts) { o.set(p, i); i += p.length; } return o; };
export const seq = (...items: Der[]) => tlv(0x30, cat(...items));
export const ctx = (n: number, inner: Der) => tlv(0xa0 | n, inner);
export const app = (n: number, inner: Der) => n < 31 ? tlv(0x60 | n, inner) : new Uint8Array([0x7f, n, ...len(inner.length), ...inner]);
export function int(v: number): Der {
  const out: number[] = [];
  let x = v;
  do { out.unshift(x & 255); x = Math.floor(x / 256); } while (x > 0 && x !== -1);
  if (v >= 0 && out[0] & 0x80) out.unshift(0);
  return tlv(0x02, new Uint8Array(out));
}
export const octets = (b: Uint8Array) => tlv(0x04, b);
export const gstr = (s: string) => tlv(0x1b, new TextEncoder().encode(s));
export const gtime = (s: string) => tlv(0x18, new TextEncoder().encode(s));
export const bits = (b: Uint8Array) => tlv(0x03, cat(new Uint8Array([0]), b));
export function oid(dotted: string): Der {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const v of rest) { const enc = [v & 0x7f]; for (let x = v >>> 7; x > 0; x >>>= 7) enc.unshift(0x80 | (x & 0x7f)); out.push(...enc); }
  return tlv(0x06, new Uint8Array(out));
}
export { cat };
