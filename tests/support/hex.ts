// Hex helpers for the crypto tests: spaces and newlines in a vector as printed are ignored.
export const hex = (s: string): Uint8Array => {
  const c = s.replace(/\s+/g, "");
  if (c.length % 2 !== 0 || /[^0-9a-fA-F]/.test(c)) throw new Error(`bad hex vector: ${s}`);
  const out = new Uint8Array(c.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(c.slice(2 * i, 2 * i + 2), 16);
  return out;
};
export const toHex = (b: Uint8Array): string => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
export const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
export const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);
/** The bytes from, from+1, … (n of them, modulo 256). */
export const seq = (from: number, n: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (from + i) & 255);
