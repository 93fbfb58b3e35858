// Screenshot comparison that tolerates anti-aliasing but not layout.
//
// A pixel is *different* when its colour differs from the other image's pixel at the same place by
// more than `threshold` in some channel AND the difference cannot be explained by an edge drawn a
// fraction of a pixel elsewhere: i.e. NOT (within 1 px in the other image there is a pixel of its
// colour, or it is a blend of the colours there — both ways). Text and borders re-rasterised with
// slightly different coverage pass; a block that moved, grew or changed colour does not, because its
// pixels have nothing like them next to them (a shift of exactly 1 px does pass). The images fail
// when they differ in size (a page that got taller or wider is a layout change) or when more than
// `maxFraction` of the pixels are different.
import type { Image } from "./png";

export interface CompareOptions {
  /** largest per-channel difference (0-255) still counted as the same colour */
  threshold?: number;
  /** the fraction of pixels allowed to be different */
  maxFraction?: number;
}
// Measured on the 1440 px report (screenshots.test.ts): with threshold 64, the findings re-rasterised
// 0.5 px to the side leave 496 pixels unexplained; with 96, none at 0.25, 0.5 or 0.75 px, while the
// toolbar moved by 5 px leaves 393 (97 per million) and the findings moved by 40 px 24,000. A colour
// change smaller than 96 in every channel passes: these goldens guard layout, not shades.
export const DEFAULTS: Required<CompareOptions> = { threshold: 96, maxFraction: 0.00005 };

export interface Comparison {
  ok: boolean;
  /** why not, in words; "" when ok */
  reason: string;
  /** pixels that differ and are not explained by the other image within 1 px */
  different: number;
  /** pixels that differ but are explained by a neighbour (anti-aliasing) */
  tolerated: number;
  /** `different` / all pixels */
  fraction: number;
  /** expected image faded, tolerated pixels yellow, different ones red (null when the sizes differ) */
  diff: Image | null;
}

export function compareImages(expected: Image, actual: Image, opts: CompareOptions = {}): Comparison {
  const { threshold, maxFraction } = { ...DEFAULTS, ...opts };
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return { ok: false, reason: `size ${actual.width}×${actual.height}, expected ${expected.width}×${expected.height} (the layout changed)`, different: 0, tolerated: 0, fraction: 1, diff: null };
  }
  const { width: w, height: h } = expected;
  const E = expected.data, A = actual.data;
  const same = (x: Uint8Array, i: number, y: Uint8Array, j: number) =>
    Math.abs(x[i] - y[j]) <= threshold && Math.abs(x[i + 1] - y[j + 1]) <= threshold && Math.abs(x[i + 2] - y[j + 2]) <= threshold;
  /**
   * Is the colour of `img` at (px, py) explained by `other` within 1 px of there: the colour of one of
   * those pixels, or a blend of them (each channel within the range they span)? An edge rasterised
   * a fraction of a pixel elsewhere gives exactly such in-between colours.
   */
  const explained = (img: Uint8Array, other: Uint8Array, px: number, py: number) => {
    const i = (py * w + px) * 4;
    let r0 = 255, r1 = 0, g0 = 255, g1 = 0, b0 = 255, b1 = 0;
    for (let y = Math.max(0, py - 1); y <= Math.min(h - 1, py + 1); y++)
      for (let x = Math.max(0, px - 1); x <= Math.min(w - 1, px + 1); x++) {
        const j = (y * w + x) * 4;
        if (same(img, i, other, j)) return true;
        r0 = Math.min(r0, other[j]); r1 = Math.max(r1, other[j]);
        g0 = Math.min(g0, other[j + 1]); g1 = Math.max(g1, other[j + 1]);
        b0 = Math.min(b0, other[j + 2]); b1 = Math.max(b1, other[j + 2]);
      }
    return img[i] >= r0 - threshold && img[i] <= r1 + threshold && img[i + 1] >= g0 - threshold && img[i + 1] <= g1 + threshold
      && img[i + 2] >= b0 - threshold && img[i + 2] <= b1 + threshold;
  };
  const diff = new Uint8Array(w * h * 4);
  let different = 0, tolerated = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      if (same(E, i, A, i)) {
        const l = 191 + ((0.299 * E[i] + 0.587 * E[i + 1] + 0.114 * E[i + 2]) >> 2); // faded grey
        diff[i] = diff[i + 1] = diff[i + 2] = l;
      } else if (explained(E, A, x, y) && explained(A, E, x, y)) {
        tolerated++;
        diff[i] = 255; diff[i + 1] = 200; diff[i + 2] = 0;
      } else {
        different++;
        diff[i] = 230; diff[i + 1] = 0; diff[i + 2] = 0;
      }
      diff[i + 3] = 255;
    }
  }
  const fraction = different / (w * h);
  const ok = fraction <= maxFraction;
  const pct = (f: number) => `${(f * 100).toFixed(3)} %`;
  return {
    ok, different, tolerated, fraction, diff: { width: w, height: h, data: diff },
    reason: ok ? "" : `${different} pixels (${pct(fraction)}) differ beyond anti-aliasing, at most ${pct(maxFraction)} allowed`,
  };
}
