// The CLI's --json spool of connection records (src/cli/connectionSpool.ts): the output is the
// Report's JSON byte for byte, the records come out in Report order whatever order they were put
// in, the temporary file is private, nameless while open and closed afterwards (after an error
// too; a killed process leaves nothing), an unusable temporary directory still gives the whole
// Report, and memory does not follow the number of records. Linux: open files are looked at in /proc.
import { describe, it, expect, vi } from "vitest";
import fs, { readdirSync, readFileSync, statSync, writeFileSync, createWriteStream } from "node:fs";
import { join } from "node:path";
import { execFileSync, spawn } from "node:child_process";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { main } from "../src/cli/main";
import { ConnectionSpool } from "../src/cli/connectionSpool";
import { sortedIndex } from "../src/core/sortedIndex";
import { writeJson } from "../src/cli/jsonStream";
import { jsonTerminalSafe, stringifiedTerminalSafe } from "../src/cli/terminalText";
import { reportOf } from "./support/report";
import { spoolTmp, openTempFiles } from "./support/spoolDir";
import { replaceInPcap, utf16 } from "./support/craft";
import type { Connection } from "../src/core/report";
import { fileSource } from "../src/cli/nodeSource";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import { KrbStore } from "../src/core/model/krbStore";
import { KerberosRecords } from "../src/core/model/kerberos";

const FIX = join(__dirname, "../fixtures");
const CAPTURE = /\.(pcap|pcapng|cap)$/;
const fixtures = ["", "netmon", "netmon1", "regress"].flatMap((d) => readdirSync(join(FIX, d)).filter((f) => CAPTURE.test(f)).sort().map((f) => join(d, f)));

// every spool of this file goes to TMP, so that what is left there can be looked at
const { base, tmp: TMP } = spoolTmp("smbscope-spooltest-");

/**
 * The command's streamed --json (main with `write`, and `writeBytes` as bin/smbscope.mjs gives it:
 * an output that reads the bytes a turn later, as a pipe that was full does), as bytes, with what
 * it said on stderr and how many pieces of connection records went out as bytes.
 */
async function streamed(args: string[], onWrite?: () => void) {
  const chunks: Buffer[] = [], err: string[] = [];
  let pieces = 0;
  const code = await main(args, (s) => chunks.push(Buffer.from(s + "\n")), (s) => err.push(s),
    (s) => { onWrite?.(); chunks.push(Buffer.from(s)); return true; }, undefined,
    (b) => {
      onWrite?.();
      // (pieces of connection records, the spool's; the other long lists go as bytes too: jsonStream.ts asBytes)
      const first = JSON.parse(`[${b.toString("utf8").replace(/^,/, "")}]`)[0];
      if (first && typeof first === "object" && "phases" in first) pieces++;
      const at = chunks.push(Buffer.alloc(0)) - 1;
      return new Promise((done) => setImmediate(() => { chunks[at] = Buffer.from(b); done(); }));
    });
  return { code, out: Buffer.concat(chunks).toString("utf8"), err, pieces };
}

/** The spool files a process has open (their names removed: "… (deleted)"), as their modes. */
function openSpools(pid: number | "self" = "self"): number[] {
  return openTempFiles(TMP, pid).map(({ link, mode }) => {
    expect(link).toMatch(/\/connections\.json \(deleted\)$/);
    return mode;
  });
}

const rec = (i: number, s = "") => ({ id: `c${i}`, stream: i, user: s } as unknown as Connection);

describe("--json through the spool", () => {
  it("prints, for every fixture, exactly the Report's JSON, from a 0600 file without a name, closed afterwards", async () => {
    let records = 0;
    for (const f of fixtures) {
      const whole = await reportOf(join(FIX, f));
      let seen: number[] | null = null;
      const r = await streamed(["--json", join(FIX, f)], () => { seen ??= openSpools(); expect(readdirSync(TMP)).toEqual([]); });
      expect(r.out, f).toBe(`${stringifiedTerminalSafe(JSON.stringify(whole))}\n`);
      // (records terminal-safe as they are: as the spool's bytes, not strings made of them; else as text)
      const text = JSON.stringify(whole.connections);
      expect(r.pieces > 0, f).toBe(jsonTerminalSafe(text) === text && whole.connections.length > 0);
      expect(r.err, f).toEqual([]);
      expect(seen, f).toEqual([0o600]); // while the Report was written
      expect(openSpools(), f).toEqual([]);
      records += whole.connections.length;
    }
    expect(records).toBeGreaterThan(80);
  });

  it("a Report with no connection and one with one", async () => {
    for (const [f, n] of [["quic-smb-ok.pcap", 0], ["smb311-ok.pcap", 1]] as const) {
      const r = await streamed(["--json", join(FIX, f)]);
      const rep = JSON.parse(r.out);
      expect(rep.connections, f).toHaveLength(n);
      expect(Object.keys(rep).indexOf("connections"), f).toBe(4); // after version, generator, capture, verdict
      expect(r.out, f).toBe(`${stringifiedTerminalSafe(JSON.stringify(await reportOf(join(FIX, f))))}\n`);
    }
  });

  it("names that would drive a terminal are escaped record by record as the whole text would be", async () => {
    const p = join(base, "crafted.pcap");
    // "alice" → ESC[8m plus a line feed, "WORKGROUP" → a bidi override and C1 controls (same lengths)
    writeFileSync(p, replaceInPcap(new Uint8Array(readFileSync(join(FIX, "wrong-password.pcap"))), [
      { from: utf16("alice"), to: utf16("\x1b[8m\n") }, { from: utf16("WORKGROUP"), to: utf16("\u202e\x9b\u00ad\u200bé中\ud83d\ude00x") },
    ]));
    const whole = await reportOf(p);
    expect(whole.connections[0].user).toContain("\u202e");
    const r = await streamed(["--json", p]);
    expect(r.out).toBe(`${stringifiedTerminalSafe(JSON.stringify(whole))}\n`);
    expect(r.out).not.toMatch(/[\u202e\x9b\u00ad\u200b\x1b]/);
    expect(JSON.parse(r.out).connections[0].user).toBe(whole.connections[0].user);
  });

  it("a DEL in an ASCII record is escaped as in the whole text: that piece goes out as text, not as the spool's bytes", async () => {
    // crafted: the real capture with its user name "alice" given a DEL (same length); its records are all ASCII
    const p = join(base, "crafted-del.pcap");
    writeFileSync(p, replaceInPcap(new Uint8Array(readFileSync(join(FIX, "nbss139.pcap"))), [{ from: utf16("alice"), to: utf16("al\x7fce") }]));
    const whole = await reportOf(p);
    expect(whole.connections[0].user).toContain("\x7f");
    const r = await streamed(["--json", p]);
    expect(r.out).toBe(`${stringifiedTerminalSafe(JSON.stringify(whole))}\n`);
    expect(r.out).not.toContain("\x7f");
    expect(JSON.parse(r.out).connections[0].user).toBe(whole.connections[0].user);
  });

  it("closes the file when the capture is not one, and when writing the output fails", async () => {
    const notes = join(base, "notes.txt");
    writeFileSync(notes, "just some text, not packets\n");
    const r = await streamed(["--json", notes]);
    expect(r.code).toBe(2);
    expect(JSON.parse(r.out).capture.error).toMatch(/is not a packet capture/);
    expect(openSpools()).toEqual([]);
    const spools: number[] = [], err: string[] = [];
    const code = await main(["--json", join(FIX, "tree-bad-share.pcap"), join(FIX, "smb311-ok.pcap")], () => {}, (s) => err.push(s), () => {
      spools.push(openSpools().length);
      if (spools.length === 2) throw new Error("EIO: i/o error, write");
      return true;
    });
    expect(code).toBe(2);
    expect(err).toEqual(["smbscope: tree-bad-share.pcap: EIO: i/o error, write"]);
    expect(spools.length).toBeGreaterThan(2); // the second file was written after the first failed
    expect(spools.every((k) => k === 1)).toBe(true);
    expect(openSpools()).toEqual([]);
  });

  it("an unusable temporary directory still gives the whole Report, with one line on stderr for the run", async () => {
    const file = join(base, "a-file");
    writeFileSync(file, "");
    const ro = join(base, "ro");
    fs.mkdirSync(ro, { mode: 0o500 });
    // root writes in a 0500 directory: there, only the other two are unusable
    const dirs = [file, join(base, "missing"), ...(process.getuid?.() === 0 ? [] : [ro])];
    const files = [join(FIX, "tree-bad-share.pcap"), join(FIX, "wrong-password.pcap")];
    const expected = (await Promise.all(files.map((f) => reportOf(f)))).map((w) => `${stringifiedTerminalSafe(JSON.stringify(w))}\n`).join("");
    for (const d of dirs) {
      process.env.TMPDIR = d;
      const r = await streamed(["--json", ...files]);
      expect(r.out, d).toBe(expected);
      expect(r.code, d).toBe(1);
      expect(r.err, d).toHaveLength(1);
      expect(r.err[0], d).toMatch(/^smbscope: the temporary directory .* cannot be used \((not a directory|does not exist|not writable)\): the connection records are kept in memory$/);
    }
  });

  it("Ctrl+C or a kill while a capture is read: the command ends by the signal, and leaves nothing", async () => {
    const bin = join(__dirname, "../bin/smbscope.mjs");
    const bytes = readFileSync(join(FIX, "tree-bad-share.pcap"));
    for (const sig of ["SIGINT", "SIGTERM", "SIGKILL"] as const) {
      const fifo = join(base, `live-${sig}.fifo`);
      execFileSync("mkfifo", [fifo]);
      const p = spawn(process.execPath, [bin, "--json", fifo], { env: { ...process.env, TMPDIR: TMP, SMBSCOPE_NO_REEXEC: "1" } });
      const ended = new Promise<NodeJS.Signals | null>((res) => p.on("close", (_code, s) => res(s)));
      const w = createWriteStream(fifo);
      w.on("error", () => {}); // the reader is gone
      try {
        w.write(bytes.subarray(0, 3000)); // a capture still being written: the spool is open
        const t0 = Date.now();
        while (openSpools(p.pid!).length === 0 && Date.now() - t0 < 10_000) await new Promise((r) => setTimeout(r, 50));
        expect(openSpools(p.pid!), sig).toEqual([0o600]);
        expect(readdirSync(TMP), sig).toEqual([]); // nothing to remove: the system frees the file with the process
        p.kill(sig);
        expect(await ended, sig).toBe(sig);
      } finally { w.destroy(); if (p.exitCode === null && p.signalCode === null) p.kill("SIGKILL"); }
    }
  });
});

describe("the Kerberos records with the spool", () => {
  it("are not in Report.kerberos: the spool's list makes them, in Report order, as the Report without a sink holds them", async () => {
    let records = 0;
    for (const f of fixtures) {
      const whole = await reportOf(join(FIX, f));
      if (whole.kerberos.length === 0) continue;
      const spool = new ConnectionSpool();
      const src = await fileSource(join(FIX, f));
      let sunk;
      try { sunk = await analyzeCapture(await nodeDecoder(), src, { connections: spool }); } finally { await src.close(); spool.dispose(); }
      expect(sunk.kerberos, f).toEqual([]);
      expect(spool.kerberosList?.length, f).toBe(whole.kerberos.length);
      expect(spool.kerberosList!.slice(), f).toEqual(whole.kerberos);
      expect(JSON.stringify(spool.kerberosList), f).toBe(JSON.stringify(whole.kerberos));
      // (the verdict counted them all the same)
      expect([sunk.verdict, sunk.headline], f).toEqual([whole.verdict, whole.headline]);
      records += whole.kerberos.length;
    }
    expect(records).toBeGreaterThan(50);
  });

  it("are written a piece at a time, each made as its piece is written, the same text as the array's", async () => {
    const store = new KrbStore();
    const n = 130, types = [10, 30, 11, 12, 13, 30];
    for (let i = 0; i < n; i++) {
      const t = types[i % types.length], toKdc = t === 10 || t === 12;
      store.push(i + 1, 1000 + i / 8, i % 2 === 0, toKdc, i % 5, t, t === 30 ? [25, 6, 24][i % 3] : null,
        `10.0.0.${i % 7}:${50000 + i}`, "10.0.0.1:88", `10.0.0.${i % 7}`, "10.0.0.1", "CORP.EXAMPLE", i % 4 ? `user${i % 3}` : null,
        i % 3 ? "krbtgt/CORP.EXAMPLE" : `cifs/fs${i % 2}`, t === 30 ? "é" : null, null);
    }
    const pairing = { service: Array.from({ length: n }, (_, i) => (i % 2 ? `cifs/fs${i % 3}` : null)), cname: Array.from({ length: n }, (_, i) => (i % 3 ? "alice" : null)), connection: Array.from({ length: n }, (_, i) => (i % 4 ? `10.0.0.${i % 7}:1-10.0.0.9:445` : null)) };
    let made = 0;
    const list = new KerberosRecords((i) => { made++; return store.message(i); }, n, pairing);
    const expected = JSON.stringify({ v: 1, kerberos: new KerberosRecords((i) => store.message(i), n, pairing).slice(), after: [1] });
    expect(made).toBe(0);
    for (const asBytes of [false, true]) {
      made = 0;
      const out: string[] = [], madeAt: number[] = [];
      await writeJson({ v: 1, kerberos: list, after: [1] }, (s) => { madeAt.push(made); out.push(s); }, undefined, true,
        asBytes ? (b, ascii) => { madeAt.push(made); out.push(b.toString(ascii ? "latin1" : "utf8")); return Promise.resolve(); } : undefined);
      expect(out.join(""), `as bytes: ${asBytes}`).toBe(expected);
      expect(made).toBe(n);
      // as text, a write a piece, of the records made for it only
      if (!asBytes) expect(madeAt.slice(0, -1)).toEqual([50, 100, 130]);
    }
  });
});

describe("ConnectionSpool", () => {
  it("writes records put in any order in Report order, in pieces that end at a record's end, from the file and from memory alike", async () => {
    // non-contiguous orders, shuffled; names of several UTF-8 lengths; records of 2 MiB, larger
    // than a write and a read block, and enough in all to cross many blocks and pieces
    const n = 20_000;
    const orders = Array.from({ length: n }, (_, i) => i * 7 + (i % 3));
    for (let i = n - 1; i > 0; i--) { const j = (i * 7919) % (i + 1); [orders[i], orders[j]] = [orders[j], orders[i]]; }
    const user = (o: number) => (o % 9973 === 0 ? "x".repeat(2 << 20) : `${"é中😀a".slice(0, 1 + (o % 4))}${"u".repeat(o % 500)}`);
    const expected = JSON.stringify({ v: 1, connections: [...orders].sort((a, b) => a - b).map((o) => rec(o, user(o))), after: [1] });
    for (const inMemory of [false, true]) {
      if (inMemory) process.env.TMPDIR = join(base, "missing");
      const why: string[] = [];
      const spool = new ConnectionSpool((w) => why.push(w));
      expect(spool.spooled).toBe(!inMemory);
      expect(why).toHaveLength(inMemory ? 1 : 0);
      for (const o of orders) spool.put(o, rec(o, user(o)));
      const parts: string[] = [];
      await writeJson({ v: 1, connections: spool, after: [1] }, (s) => { parts.push(s); });
      expect(parts.join(""), `in memory: ${inMemory}`).toBe(expected);
      // as bytes too, from an ASCII spool, read by the output a turn after each is handed on
      const ascii = new ConnectionSpool();
      for (const o of orders) ascii.put(o, rec(o, `u${"v".repeat(o % 700)}`));
      const out: string[] = [];
      let bytes = 0;
      await writeJson({ v: 1, connections: ascii, after: [1] }, (s) => { out.push(s); }, undefined, false,
        (b) => { bytes++; const at = out.push("") - 1; return new Promise((done) => setImmediate(() => { out[at] = b.toString("latin1"); done(); })); });
      ascii.dispose();
      expect(out.join("")).toBe(JSON.stringify({ v: 1, connections: [...orders].sort((a, b) => a - b).map((o) => rec(o, `u${"v".repeat(o % 700)}`)), after: [1] }));
      expect(bytes).toBeGreaterThan(10);
      spool.dispose();
      expect(parts.length).toBeGreaterThan(10);
      for (const p of parts.slice(0, -1)) expect(p.endsWith("}")).toBe(true); // a record's end
      expect(openSpools()).toEqual([]);
    }
  });

  it("where the open file's name cannot be removed (Windows without POSIX delete), the file and directory go on dispose or at exit", async () => {
    const spy = vi.spyOn(fs, "unlinkSync").mockImplementation(() => { throw Object.assign(new Error("EPERM: operation not permitted, unlink"), { code: "EPERM" }); });
    const exits = process.listenerCount("exit");
    let spool: ConnectionSpool;
    try { spool = new ConnectionSpool(); } finally { spy.mockRestore(); }
    expect(spool.spooled).toBe(true);
    const [d] = readdirSync(TMP);
    expect(readdirSync(join(TMP, d))).toEqual(["connections.json"]);
    expect(statSync(join(TMP, d)).mode & 0o777).toBe(0o700);
    expect(statSync(join(TMP, d, "connections.json")).mode & 0o777).toBe(0o600);
    expect(process.listenerCount("exit")).toBe(exits + 1);
    spool.put(3, rec(3));
    const parts: string[] = [];
    await writeJson({ connections: spool }, (s) => { parts.push(s); });
    expect(parts.join("")).toBe(JSON.stringify({ connections: [rec(3)] }));
    spool.dispose();
    expect(readdirSync(TMP)).toEqual([]);
    expect(process.listenerCount("exit")).toBe(exits);
  });

  it("an empty spool is an empty array", async () => {
    const spool = new ConnectionSpool();
    const parts: string[] = [];
    await writeJson({ a: 1, connections: spool, b: null }, (s) => { parts.push(s); });
    spool.dispose();
    expect(parts.join("")).toBe('{"a":1,"connections":[],"b":null}');
  });

  it("when the disk fills up while records are put, goes on in memory with the records put so far", async () => {
    const why: string[] = [];
    const spool = new ConnectionSpool((w) => why.push(w));
    const fd = spool.fd!;
    let writes = 0;
    const realWrite = fs.writeSync as (fd: number, b: Uint8Array, off: number, len: number, pos: number) => number;
    const spy = vi.spyOn(fs, "writeSync").mockImplementation(((fd: number, b: Uint8Array, off: number, len: number, pos: number) => {
      // the first 1 MiB goes to the file, the next write 1000 bytes of it and then no more
      if (++writes === 2) return realWrite(fd, b, off, 1000, pos);
      if (writes > 2) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      return realWrite(fd, b, off, len, pos);
    }) as unknown as typeof fs.writeSync);
    try {
      const n = 60_000; // ~2.6 MB: the second flush fails
      for (let i = n - 1; i >= 0; i--) spool.put(i, rec(i, "é"));
      expect(writes).toBe(3);
      expect(spool.spooled).toBe(false);
      expect(why).toEqual([`the temporary directory ${TMP} cannot be used (no space left): the connection records are kept in memory`]);
      expect(() => fs.fstatSync(fd)).toThrow(/EBADF/); // closed
      const parts: string[] = [];
      await writeJson({ connections: spool }, (s) => { parts.push(s); });
      expect(parts.join("")).toBe(JSON.stringify({ connections: Array.from({ length: n }, (_, i) => rec(i, "é")) }));
    } finally { spy.mockRestore(); spool.dispose(); }
  });

  it("sorts its index by order, 32-bit orders of any size, and refuses an order that is not one", () => {
    const orders = Uint32Array.from([5, 0xffffffff, 0, 70000, 65536, 1, 0x10000ffff % 2 ** 32]);
    expect([...sortedIndex(orders, orders.length)].map((i) => orders[i])).toEqual([...orders].sort((a, b) => a - b));
    const spool = new ConnectionSpool();
    try {
      for (const bad of [-1, 1.5, 2 ** 32, NaN]) expect(() => spool.put(bad, rec(0))).toThrow(RangeError);
      expect(spool.count).toBe(0);
    } finally { spool.dispose(); }
  });

  it("keeps its index in under 5 bytes a record (8 in 32-bit arrays) when records come about in order, as connections fold", () => {
    const n = 3 << 16; // the index's stores full to the last chunk: what they hold is what they take
    const spool = new ConnectionSpool();
    try {
      // orders a few hundred apart at most (connections close about in the order they came),
      // records of 1,000 to 3,000 bytes
      for (let i = 0; i < n; i++) spool.put(i + ((i * 7919) % 300), { i, pad: "p".repeat(1000 + ((i * 104729) % 2000)) } as unknown as Connection);
      expect(spool.count).toBe(n);
      expect(spool.indexBytes / n).toBeLessThan(5);
    } finally { spool.dispose(); }
  });

  it("1,000,000 records put in shuffled order are written in order with the heap bounded", async () => {
    setFlagsFromString("--expose-gc");
    const gc = runInNewContext("gc") as () => void;
    const n = 1_000_000;
    const orders = new Uint32Array(n);
    for (let i = 0; i < n; i++) orders[i] = i * 2 + 1;
    let seed = 12345;
    for (let i = n - 1; i > 0; i--) { seed = (seed * 1103515245 + 12345) >>> 0; const j = seed % (i + 1); const t = orders[i]; orders[i] = orders[j]; orders[j] = t; }
    const pad = "p".repeat(150);
    gc();
    const before = process.memoryUsage();
    const spool = new ConnectionSpool();
    try {
      for (let i = 0; i < n; i++) spool.put(orders[i], { o: orders[i], pad } as unknown as Connection);
      gc();
      const put = process.memoryUsage();
      // held in memory the records' texts alone would be ~180 MB
      expect(put.heapUsed - before.heapUsed).toBeLessThan(40e6);
      // its index: the orders in no order, 32 bits each; the lengths, all alike, 8 bits
      expect(spool.indexBytes / n).toBeLessThan(6);
      expect(put.arrayBuffers - before.arrayBuffers).toBeLessThan(16e6);
      let count = 0, last = -1, bytes = 0, peakHeap = 0;
      const re = /"o":(\d+)/g;
      await writeJson({ connections: spool }, (s) => {
        bytes += s.length;
        for (const m of s.matchAll(re)) { const o = Number(m[1]); if (o <= last) throw new Error(`order ${o} after ${last}`); last = o; count++; }
        if (count % 50_000 < 400) peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      });
      expect(count).toBe(n);
      expect(last).toBe(2 * n - 1);
      expect(bytes).toBeGreaterThan(n * 160);
      gc();
      expect(process.memoryUsage().heapUsed - before.heapUsed).toBeLessThan(40e6);
      expect(peakHeap - before.heapUsed).toBeLessThan(80e6); // garbage not collected yet included
    } finally { spool.dispose(); }
    expect(openSpools()).toEqual([]);
  }, 120_000);
});
