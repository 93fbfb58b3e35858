// Addresses as text (names.ts ipText): an IPv6 address as RFC 5952 4 writes it (lower-case hex
// without leading zeros, the first longest run of two or more zero groups as "::"), the same text
// every time for the same address (its direct-mapped table), and the folded rows
// (model/foldedRows.ts), which keep an IPv6 address as its 16 bytes, give back that same text.
// The reference is the WHATWG URL serializer's IPv6 form (Node's URL), which follows RFC 5952.
import { describe, it, expect } from "vitest";
import { ipText, endpoint, endpointMade } from "../src/core/names";
import { FoldedRows } from "../src/core/model/foldedRows";
import type { Connection } from "../src/core/report";

/** a pseudo-random address, mostly zero groups (the runs "::" compresses) */
function address(k: number): Uint8Array {
  const b = new Uint8Array(16);
  let x = (k * 2654435761) >>> 0;
  for (let g = 0; g < 8; g++) {
    x = (Math.imul(x ^ (x >>> 15), 0x2c1b3c6d) + g) >>> 0;
    const kind = x % 4; // zero, small, one byte, any
    const v = kind === 0 ? 0 : kind === 1 ? x % 16 : kind === 2 ? x % 256 : (x >>> 8) & 0xffff;
    b[2 * g] = v >> 8; b[2 * g + 1] = v & 255;
  }
  if (b.subarray(0, 10).every((v) => v === 0) && b[10] === 0xff && b[11] === 0xff) b[0] = 1; // (not IPv4-mapped: that one is IPv4 text)
  return b;
}
const reference = (b: Uint8Array) => {
  const groups = Array.from({ length: 8 }, (_, g) => ((b[2 * g] << 8) | b[2 * g + 1]).toString(16));
  return new URL(`http://[${groups.join(":")}]/`).hostname.slice(1, -1);
};

/** an IPv4 address as the decoder's 16-byte field carries it (::ffff:a.b.c.d) */
const v4 = (a: number, b: number, c: number, d: number) => Uint8Array.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, a, b, c, d]);

describe("IPv4 addresses and endpoints as text", () => {
  it("each octet in decimal without leading zeros, for every octet value in each place, again the same from the table", () => {
    const all: [Uint8Array, string][] = [];
    for (let v = 0; v < 256; v++) {
      all.push([v4(v, 0, 0, 0), `${v}.0.0.0`], [v4(1, v, 2, 3), `1.${v}.2.3`], [v4(10, 20, v, 30), `10.20.${v}.30`], [v4(255, 255, 255, v), `255.255.255.${v}`]);
    }
    for (let k = 0; k < 20_000; k++) { const x = Math.imul(k, 2654435761) >>> 0; all.push([v4(x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255), [x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255].join(".")]); }
    for (const [b, t] of all) expect(ipText(b)).toBe(t);
    for (const [b, t] of all) expect(ipText(b)).toBe(t);
  });

  it("an endpoint is ip:port ([ip]:port for IPv6) for ports of every digit count, again the same from its table", () => {
    const ports = [0, 1, 9, 10, 99, 100, 445, 999, 1000, 9999, 10000, 49152, 65535];
    const ips = ["10.0.0.1", "192.168.100.200", "0.0.0.0", "2001:db8::1", "::", "fe80::1:2"];
    for (let r = 0; r < 2; r++) {
      for (const ip of ips) for (const p of ports) expect(endpoint(ip, p)).toBe(ip.includes(":") ? `[${ip}]:${p}` : `${ip}:${p}`);
      for (let k = 0; k < 20_000; k++) { const ip = `10.${k >> 8}.${k & 255}.1`, p = (k * 7919) % 65536; expect(endpoint(ip, p)).toBe(`${ip}:${p}`); }
    }
  });

  it("a client's endpoint, made without the table (endpointMade), is the table's text, between its lookups too", () => {
    const ports = [0, 1, 9, 10, 99, 100, 445, 999, 1000, 9999, 10000, 49152, 65535, 4294967295, 1.5, -1];
    const ips = ["10.0.0.1", "192.168.100.200", "0.0.0.0", "255.255.255.255", "2001:db8::1", "::", "::ffff:1.2.3.4", "fe80::1:2", "?"];
    for (let r = 0; r < 2; r++) {
      for (const ip of ips) for (const p of ports) {
        const want = ip.includes(":") ? `[${ip}]:${p}` : `${ip}:${p}`;
        expect(endpointMade(ip, p)).toBe(want);
        expect(endpoint(ip, p)).toBe(want);
        expect(endpointMade(ip, p)).toBe(want);
      }
    }
  });
});

describe("IPv6 addresses as text", () => {
  it("as RFC 5952 writes them, for 50,000 addresses and the edge cases, again the same from the table", () => {
    const edge = [new Uint8Array(16), Uint8Array.from({ length: 16 }, (_, i) => (i === 15 ? 1 : 0)), Uint8Array.from({ length: 16 }, () => 0xff),
      Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]), Uint8Array.from([0, 1, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3])];
    const all = [...edge, ...Array.from({ length: 50_000 }, (_, k) => address(k))];
    for (const b of all) expect(ipText(b)).toBe(reference(b));
    // (a second time: from the table where the slot still holds it, else made again: the same text)
    for (const b of all) expect(ipText(b)).toBe(reference(b));
  });

  it("the folded rows give back the text of each IPv6 address they keep as bytes", () => {
    const rows = new FoldedRows(true);
    const n = 5000, texts: string[] = [];
    for (let k = 0; k < n; k++) {
      const ip = ipText(address(k));
      texts.push(ip);
      rows.push({ order: k, stream: k, firstFrame: 1, lastFrame: 2, clientPort: 1024 + k, serverPort: 445, clientIp: ip, serverIp: ipText(address(k + n)),
        serverOs: null, serverName: null, shares: [], sessionId: undefined, sessionFrame: 0, ok: true, sessions: true }, { id: `r${k}` } as unknown as Connection);
    }
    rows.sort();
    for (let k = 0; k < n; k++) {
      expect(rows.at(k).clientIp).toBe(texts[k]);
      expect(rows.at(k).serverIp).toBe(ipText(address(k + n)));
    }
  });

  it("the folded rows give back an address text that is not ipText's form as it was (kept as text, not as bytes)", () => {
    // (each names the address of a text ipText writes otherwise: as bytes it would come back so)
    const odd = ["2001:0db8::1", "2001:db8:0:0:0:0:0:1", "2001:db8::0:1", "2001:DB8::1", "1:0:0:2::3", "2001:db8:0::1", "::ffff:102:304", "::ffff:0:0",
      "0::1", "2001:db8:1:2:3:4:5::", "1::2:3:4:5:6:7", "::1:2:3:4:5:6:7", "fe80::1%eth0", "1:2:3:4:5:6:7:8:9", "::1::", ":1::2", "12345::1", ""];
    const canonical = ["2001:db8::1", "1::2:0:0:3", "2001:db8:1:2:3:4:5:0", "1:0:2:3:4:5:6:7", "::", "::1", "1::", "0:1::", "::ffff:0:1:2"];
    const all = [...odd, ...canonical];
    const rows = new FoldedRows(true);
    all.forEach((ip, k) => rows.push({ order: k, stream: k, firstFrame: 1, lastFrame: 2, clientPort: 1024 + k, serverPort: 445, clientIp: ip, serverIp: "10.0.0.1",
      serverOs: null, serverName: null, shares: [], sessionId: undefined, sessionFrame: 0, ok: true, sessions: true }, { id: `r${k}` } as unknown as Connection));
    rows.sort();
    expect(all.map((_, k) => rows.at(k).clientIp)).toEqual(all);
  });
});
