// The folded connections' rows (src/core/model/foldedRows.ts): what a rule reads of a folded
// connection (the addresses, ports, frames and session a finding names) must be what was folded,
// whatever the address family and however many rows there are (the columns grow in chunks), and in
// Report order once sorted.
import { describe, it, expect } from "vitest";
import { FoldedRows, hostKey } from "../src/core/model/foldedRows";
import { ipv4Bits } from "../src/core/model/addressWords";
import type { Connection } from "../src/core/report";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { foldingModel } from "./support/foldRun";

const OS = { version: "10.0.20348", name: "Windows Server 2022" };
const NAME = { netbios: "FS1", dns: "fs1.corp.example.test", domain: "CORP", netname: null };
const SHARES = ["\\\\fs1\\IPC$", "\\\\fs1\\public"];

function input(k: number) {
  // addresses of every kind the model writes (names.ts ipText): IPv4, IPv6 compressed or not, "?"
  const v6 = [`2001:db8::${(k % 65535).toString(16)}`, `fe80::1:2:3:${(k % 999).toString(16)}`, "2001:db8:1:2:3:4:5:6", "::1", "::"];
  const clientIp = k % 7 === 0 ? v6[k % v6.length] : k % 101 === 0 ? "?" : `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`;
  const serverIp = k % 5 === 0 ? "2001:db8::10" : `192.168.${k % 3}.1`;
  const sessionId = k % 4 === 0 ? undefined : k % 4 === 1 ? (1n << 64n) - 1n - BigInt(k) : k % 4 === 2 ? -BigInt(k) - 1n : BigInt(k) * 0x100000001n;
  return {
    order: k * 3 + 1, stream: k * 2, firstFrame: k * 10 + 1, lastFrame: k * 10 + 9, clientPort: (k * 7) % 65536, serverPort: k % 2 ? 445 : 139,
    clientIp, serverIp, serverOs: k % 3 ? OS : null, serverName: k % 3 ? NAME : null, shares: k % 2 ? SHARES : [],
    sessionId, sessionFrame: k * 10 + 5, ok: k % 3 !== 1, sessions: k % 5 !== 2,
  };
}

describe("folded rows", () => {
  it("give back every row as folded, in Report order once sorted, for IPv4, IPv6 and other addresses", () => {
    const n = 30_000; // 270,000 words: past the first chunks
    const rows = new FoldedRows(true);
    // folded out of Report order (a connection folds when it closes): pairs swapped, a few far away
    const fold: number[] = [];
    for (let k = 0; k < n; k++) fold.push(k);
    for (let k = 0; k + 1 < n; k += 2) [fold[k], fold[k + 1]] = [fold[k + 1], fold[k]];
    for (let k = 0; k < n; k += 1000) [fold[k], fold[n - 1 - k]] = [fold[n - 1 - k], fold[k]];
    for (const k of fold) {
      rows.push(input(k), { id: `record ${k}` } as unknown as Connection);
      if (k % 10 === 0) rows.pushSmb1(k * 10 + 3, k % 20 ? "NT LM 0.12" : "PC NETWORK PROGRAM 1.0");
    }
    expect(rows.length).toBe(n);
    rows.sort();
    for (let k = 0; k < n; k++) {
      const { ok, sessions, ...want } = input(k), got = rows.at(k);
      expect({ ...got }).toEqual(want);
      expect([rows.ok(k), rows.hasSessions(k)]).toEqual([ok, sessions]);
      expect(got.id).toBe(`${want.clientIp.includes(":") ? `[${want.clientIp}]` : want.clientIp}:${want.clientPort}-${got.server}`);
      expect([rows.order(k), rows.serverIp(k), rows.serverPort(k), rows.sessionId(k), rows.sessionFrame(k), rows.shares(k)])
        .toEqual([want.order, want.serverIp, want.serverPort, want.sessionId, want.sessionFrame, want.shares]);
      expect([rows.clientKey(k), rows.serverKey(k)]).toEqual([hostKey(want.clientIp), hostKey(want.serverIp)]);
      expect(rows.takeRecord(k)).toEqual({ id: `record ${k}` });
    }
    expect(rows.smb1Length).toBe(n / 10);
    for (let j = 0; j < n / 10; j++) {
      const k = j * 10, s = rows.smb1(j);
      expect([rows.smb1Order(j), s.row.order, s.row.stream, s.frame, s.dialect]).toEqual([k * 3 + 1, k * 3 + 1, k * 2, k * 10 + 3, k % 20 ? "NT LM 0.12" : "PC NETWORK PROGRAM 1.0"]);
    }
  });

  it("give back values past 16 bits: long connections, frames near 2^32, 70,000 distinct servers and server facts", () => {
    // (the 16-bit columns keep such values aside: each row here has one or more of them)
    const n = 70_000, MAX = 0xffffffff;
    const edge = (k: number) => {
      const firstFrame = k % 3 === 0 ? MAX - 70_000 - k : k + 1;
      const lastFrame = k % 3 === 0 ? MAX - k % 5 : firstFrame + (k % 2 ? 65_534 + k : 65_535 - k % 3);
      return {
        order: MAX - k, stream: k % 9 === 0 ? -1 : 0x7fffffff - k, firstFrame, lastFrame,
        clientPort: k % 2 ? 65535 : 0, serverPort: k % 4 ? 65535 - (k % 3) : 0,
        clientIp: k % 2 ? `ffff:${(k % 65536).toString(16)}::1` : "255.255.255.255",
        // a distinct server for every row (IPv4 and IPv6), some the same address with two ports
        serverIp: k % 5 === 0 ? `2001:db8::${(k >> 16).toString(16)}:${(k & 65535).toString(16)}` : `10.${(k >> 16) & 255}.${(k >> 8) & 255}.${k & 255}`,
        serverOs: k % 3 ? OS : null, serverName: NAME, shares: [`\\\\fs${k}\\${"x".repeat(k % 300)}`],
        sessionId: k % 2 ? (1n << 63n) + BigInt(k) : -(1n << 63n) + BigInt(k),
        sessionFrame: k % 7 === 0 ? firstFrame - 1 : k % 7 === 1 ? lastFrame : k % 7 === 2 ? 0 : firstFrame + 65_533 + (k % 3),
        ok: k % 2 === 0, sessions: k % 3 === 0,
      };
    };
    const rows = new FoldedRows(false);
    for (let k = 0; k < n; k++) rows.push(edge(k), {} as Connection);
    for (let k = 0; k < n; k++) {
      const { ok, sessions, ...want } = edge(k), got = rows.at(k);
      expect({ ...got }).toEqual(want);
      expect([rows.serverIp(k), rows.serverPort(k), rows.sessionFrame(k), rows.shares(k), rows.serverKey(k), rows.ok(k), rows.hasSessions(k)])
        .toEqual([want.serverIp, want.serverPort, want.sessionFrame, want.shares, hostKey(want.serverIp), ok, sessions]);
    }
  });

  it("key IPv4 addresses by their bits and nothing else that looks like one", () => {
    expect(ipv4Bits("10.1.2.3")).toBe(0x0a010203);
    expect(ipv4Bits("255.255.255.255")).toBe(0xffffffff);
    expect(ipv4Bits("0.0.0.0")).toBe(0);
    for (const s of ["10.1.2", "10.1.2.3.4", "10.01.2.3", "256.1.1.1", "1..2.3", "::ffff:1.2.3.4", "?", "", "1.2.3.4 "]) expect(ipv4Bits(s), s).toBe(-1);
    expect(hostKey("2001:db8::1")).toBe("2001:db8::1");
  });
});

describe("folded rows of a capture of many healthy connections", () => {
  it("take under 30 bytes a row (39 in plain 32- and 16-bit columns)", async () => {
    // a replica of the smb1m bench (bench/gen.mjs): 14,000 SMB connections, nearly all healthy
    // and folded, 128 at once; the columns' stores a little short of full (their capacity is
    // what they hold), so the bytes are those of the encoding
    const dir = mkdtempSync(join(tmpdir(), "smbscope-rows-"));
    try {
      const file = join(dir, "smb14k.pcap");
      const gen = spawnSync(process.execPath, [join(__dirname, "../bench/gen.mjs"), "smb1m", file, "--conns", "14000"]);
      expect(gen.status).toBe(0);
      const rows = (await foldingModel(file, null, () => {}, true)).folded!.rows;
      expect(rows.length).toBeGreaterThan(13_500);
      expect(rows.length).toBeLessThanOrEqual(16_384);
      expect(rows.bytes / rows.length).toBeLessThan(30);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }, 120_000);
});
