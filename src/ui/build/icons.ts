// The app's PNG icons, drawn at build time (no image tools needed): the magnifier of
// public/icon.svg on a blue rounded square, anti-aliased by 4×4 supersampling, written as PNG.
import { deflateSync } from "node:zlib";

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

function crc32(buf: Uint8Array): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  Buffer.from(data).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** RGBA pixels (size×size×4) → PNG bytes. */
export function encodePng(size: number, rgba: Uint8Array): Buffer {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0; // filter: none
    Buffer.from(rgba.buffer, rgba.byteOffset + y * size * 4, size * 4).copy(raw, y * (size * 4 + 1) + 1);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0; // 8-bit RGBA
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 9 })), chunk("IEND", new Uint8Array()),
  ]);
}

/** Distance from p to the segment a–b. */
function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax, dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * Draws the icon in a 64-unit design space (as icon.svg). `maskable` fills the whole square and
 * shrinks the glyph into the safe zone (the platform cuts its own shape).
 */
export function drawIcon(size: number, maskable = false): Uint8Array {
  const px = new Uint8Array(size * size * 4);
  const bg = [0x1d, 0x4e, 0xd8];
  const S = 4; // supersampling per axis
  const scale = 64 / size;
  const g = maskable ? 0.72 : 1; // glyph scale
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let cover = 0, white = 0;
      for (let sy = 0; sy < S; sy++) {
        for (let sx = 0; sx < S; sx++) {
          const u = (x + (sx + 0.5) / S) * scale, v = (y + (sy + 0.5) / S) * scale;
          // rounded square r=12 (or full square when maskable)
          let inside = true;
          if (!maskable) {
            const r = 12, cx = Math.min(Math.max(u, r), 64 - r), cy = Math.min(Math.max(v, r), 64 - r);
            inside = Math.hypot(u - cx, v - cy) <= r;
          }
          if (!inside) continue;
          cover++;
          // glyph in glyph space, centred on 32,32
          const gu = 32 + (u - 32) / g, gv = 32 + (v - 32) / g;
          const ring = Math.abs(Math.hypot(gu - 28, gv - 28) - 14) <= 3;
          const handle = segDist(gu, gv, 38, 38, 52, 52) <= 3.5;
          if (ring || handle) white++;
        }
      }
      const i = (y * size + x) * 4;
      const a = cover / (S * S);
      if (a === 0) continue;
      const w = white / cover;
      px[i] = Math.round(bg[0] + (255 - bg[0]) * w);
      px[i + 1] = Math.round(bg[1] + (255 - bg[1]) * w);
      px[i + 2] = Math.round(bg[2] + (255 - bg[2]) * w);
      px[i + 3] = Math.round(255 * a);
    }
  }
  return px;
}

export function iconPng(size: number, maskable = false): Buffer {
  return encodePng(size, drawIcon(size, maskable));
}
