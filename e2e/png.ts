// Just enough PNG for screenshot comparison (PNG spec, W3C 2003): decode the 8-bit RGB / RGBA,
// non-interlaced images Chromium writes, encode RGBA for the diff images. Written here rather than
// taken from npm: ~80 lines with node's zlib, and nothing to keep up to date.
import { inflateSync, deflateSync } from "node:zlib";

/** Pixels as RGBA, 4 bytes each, rows top to bottom. */
export interface Image { width: number; height: number; data: Uint8Array }

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CHANNELS: Record<number, number> = { 2: 3, 6: 4 }; // colour type → bytes per pixel at depth 8

export function decodePng(buf: Buffer, what = "PNG"): Image {
  if (buf.length < 8 || !buf.subarray(0, 8).equals(SIGNATURE)) throw new Error(`${what}: not a PNG (no signature at offset 0)`);
  let width = 0, height = 0, bpp = 0;
  const idat: Buffer[] = [];
  for (let off = 8; off + 8 <= buf.length;) {
    const len = buf.readUInt32BE(off);
    const type = buf.toString("latin1", off + 4, off + 8);
    const body = buf.subarray(off + 8, off + 8 + len);
    if (body.length !== len) throw new Error(`${what}: chunk ${type} at offset ${off} runs past the end`);
    if (type === "IHDR") {
      width = body.readUInt32BE(0); height = body.readUInt32BE(4);
      const depth = body[8], colour = body[9], interlace = body[12];
      bpp = CHANNELS[colour] ?? 0;
      if (depth !== 8 || !bpp || interlace !== 0) throw new Error(`${what}: bit depth ${depth}, colour type ${colour}, interlace ${interlace}; only 8-bit RGB/RGBA, not interlaced, is read`);
    } else if (type === "IDAT") idat.push(body);
    else if (type === "IEND") break;
    off += 12 + len; // length, type, body, CRC
  }
  if (!bpp) throw new Error(`${what}: no IHDR chunk`);
  const z = inflateSync(Buffer.concat(idat));
  const raw = new Uint8Array(z.buffer, z.byteOffset, z.length); // a plain Uint8Array: one element kind in the loops below
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) throw new Error(`${what}: image data is ${raw.length} bytes, ${height * (stride + 1)} expected for ${width}×${height}`);
  // undo the per-row filters (PNG spec §9) row by row; one loop per filter type (this is the hot part)
  const px = new Uint8Array(height * stride);
  const zero = new Uint8Array(stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const cur = px.subarray(y * stride, (y + 1) * stride);
    const up = y > 0 ? px.subarray((y - 1) * stride, y * stride) : zero;
    if (filter === 0) cur.set(src);
    else if (filter === 1) { cur.set(src.subarray(0, bpp)); for (let i = bpp; i < stride; i++) cur[i] = src[i] + cur[i - bpp]; }
    else if (filter === 2) for (let i = 0; i < stride; i++) cur[i] = src[i] + up[i];
    else if (filter === 3) {
      for (let i = 0; i < bpp; i++) cur[i] = src[i] + (up[i] >> 1);
      for (let i = bpp; i < stride; i++) cur[i] = src[i] + ((cur[i - bpp] + up[i]) >> 1);
    } else if (filter === 4) { // Paeth: of left a, up b, up-left c, the one nearest p = a + b - c
      for (let i = 0; i < bpp; i++) cur[i] = src[i] + up[i];
      for (let i = bpp; i < stride; i++) {
        const a = cur[i - bpp], b = up[i], c = up[i - bpp];
        let pa = b - c, pb = a - c, pc = a + b - 2 * c;
        if (pa < 0) pa = -pa; if (pb < 0) pb = -pb; if (pc < 0) pc = -pc;
        cur[i] = src[i] + (pa <= pb && pa <= pc ? a : pb <= pc ? b : c);
      }
    }
    else throw new Error(`${what}: row ${y} has filter type ${filter} (0-4 expected)`);
  }
  if (bpp === 4) return { width, height, data: px };
  const data = new Uint8Array(width * height * 4);
  for (let i = 0, j = 0; i < px.length; i += 3, j += 4) { data[j] = px[i]; data[j + 1] = px[i + 1]; data[j + 2] = px[i + 2]; data[j + 3] = 255; }
  return { width, height, data };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Buffer): number {
  let c = 0xffffffff;
  for (const x of b) c = CRC_TABLE[(c ^ x) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, body: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(body.length, 0);
  head.write(type, 4, "latin1");
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
  return Buffer.concat([head, body, crc]);
}

/** RGBA, every row with filter 0 (the diff images are written once, on failure: size does not matter). */
export function encodePng(img: Image): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(img.width, 0); ihdr.writeUInt32BE(img.height, 4);
  ihdr[8] = 8; ihdr[9] = 6; // 8-bit RGBA; compression, filter, interlace 0
  const stride = img.width * 4;
  const raw = Buffer.alloc(img.height * (stride + 1));
  for (let y = 0; y < img.height; y++) raw.set(img.data.subarray(y * stride, (y + 1) * stride), y * (stride + 1) + 1);
  return Buffer.concat([SIGNATURE, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
}
