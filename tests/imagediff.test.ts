// The golden-screenshot comparison (e2e/imagediff.ts) and its PNG codec (e2e/png.ts) on drawn
// images: an edge anti-aliased at another sub-pixel position passes; a block moved, a block in
// another colour, another size fail; the codec reads back what it wrote, and every PNG row filter.
import { describe, it, expect } from "vitest";
import { deflateSync } from "node:zlib";
import { compareImages } from "../e2e/imagediff";
import { decodePng, encodePng, type Image } from "../e2e/png";

const W = 200, H = 100;
const blank = (w = W, h = H): Image => ({ width: w, height: h, data: new Uint8Array(w * h * 4).fill(255) });

/** A dark rectangle from x0 to x1 (fractional: the edge pixels get the covered share, as a rasteriser would). */
function rect(img: Image, x0: number, x1: number, y0: number, y1: number, rgb = [20, 20, 20]): Image {
  for (let y = y0; y < y1; y++) for (let x = Math.floor(x0); x < Math.ceil(x1); x++) {
    const cover = Math.min(x + 1, x1) - Math.max(x, x0);
    const i = (y * img.width + x) * 4;
    for (let k = 0; k < 3; k++) img.data[i + k] = Math.round(img.data[i + k] * (1 - cover) + rgb[k] * cover);
  }
  return img;
}

/** Ten "glyph stems" 2.4 px wide, as text is drawn: many edges. */
const stems = (dx: number) => {
  const img = blank();
  for (let s = 0; s < 10; s++) rect(img, 20 + s * 15 + dx, 22.4 + s * 15 + dx, 30, 60);
  return img;
};

describe("compareImages", () => {
  it("finds the same image the same", () => {
    const c = compareImages(stems(0), stems(0));
    expect(c).toMatchObject({ ok: true, different: 0, tolerated: 0 });
  });

  it("tolerates edges anti-aliased at another sub-pixel position", () => {
    const c = compareImages(stems(0.1), stems(0.6));
    expect(c.tolerated).toBeGreaterThan(100); // the edges really differ
    expect(c.different).toBe(0);
    expect(c.ok).toBe(true);
  });

  it("fails stems moved by 4 px, and draws them red in the diff", () => {
    const c = compareImages(stems(0), stems(4));
    expect(c.ok).toBe(false);
    expect(c.different).toBeGreaterThan(500);
    expect(c.reason).toMatch(/^\d+ pixels \([\d.]+ %\) differ beyond anti-aliasing, at most 0\.005 % allowed$/);
    const i = (45 * W + 25) * 4; // inside a moved stem
    expect([...c.diff!.data.subarray(i, i + 3)]).toEqual([230, 0, 0]);
  });

  it("fails a block in another colour at the same place", () => {
    const c = compareImages(rect(blank(), 50, 80, 20, 40, [200, 0, 0]), rect(blank(), 50, 80, 20, 40, [0, 120, 0]));
    expect(c.different).toBe(30 * 20);
    expect(c.ok).toBe(false);
  });

  it("fails on a different size, saying so", () => {
    const c = compareImages(blank(W, H), blank(W, H + 19));
    expect(c).toMatchObject({ ok: false, diff: null, reason: `size ${W}×${H + 19}, expected ${W}×${H} (the layout changed)` });
  });

  it("allows a few different pixels, not more", () => {
    const few = blank(); rect(few, 10, 11, 10, 11); // 1 pixel of 20,000: 0.005 %
    expect(compareImages(blank(), few).ok).toBe(true);
    rect(few, 30, 31, 10, 11); // 2
    expect(compareImages(blank(), few).ok).toBe(false);
  });
});

describe("PNG codec", () => {
  it("reads back what it wrote", () => {
    const img = stems(0.3);
    img.data[3] = 7; // alpha kept
    const back = decodePng(encodePng(img));
    expect(back.width).toBe(W);
    expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
  });

  it("undoes every row filter (Sub, Up, Average, Paeth) of an RGB image", () => {
    // rows written with filter types 0..4 in turn, encoded by hand from known pixels
    const w = 7, h = 10, bpp = 3, stride = w * bpp;
    const px = Uint8Array.from({ length: h * stride }, (_, i) => (i * 37 + (i >> 3) * 11) & 0xff);
    const raw = Buffer.alloc(h * (stride + 1));
    for (let y = 0; y < h; y++) {
      const f = y % 5;
      raw[y * (stride + 1)] = f;
      for (let i = 0; i < stride; i++) {
        const a = i >= bpp ? px[y * stride + i - bpp] : 0, b = y ? px[(y - 1) * stride + i] : 0, c = y && i >= bpp ? px[(y - 1) * stride + i - bpp] : 0;
        const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
        const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
        raw[y * (stride + 1) + 1 + i] = (px[y * stride + i] - pred) & 0xff;
      }
    }
    const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(w, 0); ihdr.writeUInt32BE(h, 4); ihdr[8] = 8; ihdr[9] = 2;
    const chunk = (t: string, b: Buffer) => { const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, Buffer.from(t, "latin1"), b, Buffer.alloc(4)]); };
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw)), chunk("IEND", Buffer.alloc(0))]);
    const img = decodePng(png);
    for (let i = 0; i < w * h; i++) {
      expect([...img.data.subarray(i * 4, i * 4 + 4)], `pixel ${i}`).toEqual([px[i * 3], px[i * 3 + 1], px[i * 3 + 2], 255]);
    }
  });

  it("says what it cannot read", () => {
    expect(() => decodePng(Buffer.from("GIF89a........"), "x.png")).toThrow("x.png: not a PNG (no signature at offset 0)");
    const ihdr = Buffer.alloc(13); ihdr.writeUInt32BE(1, 0); ihdr.writeUInt32BE(1, 4); ihdr[8] = 16; ihdr[9] = 2;
    const l = Buffer.alloc(4); l.writeUInt32BE(13);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), l, Buffer.from("IHDR"), ihdr, Buffer.alloc(4)]);
    expect(() => decodePng(png, "y.png")).toThrow(/y\.png: bit depth 16, colour type 2/);
  });
});
