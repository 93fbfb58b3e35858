// The CLI decodes in a second thread (src/cli/decodeThread.ts, decodeWorker.ts): the Report must
// be the one decoding in this thread gives, for any capture, damaged or not, and an error there
// must come out as the same error. Uses the built worker (dist/cli/decodeWorker.js: npm run
// build:cli, which npm test runs first).
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { openSync, closeSync, readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { spawnSync } from "node:child_process";
import { analyzeCapture, analyzeRecordStream, type AnalyzeOptions } from "../src/core/analyze";
import { nodeDecoder } from "../src/cli/wasmNode";
import { fileSource, fdSource, type NodeSource } from "../src/cli/nodeSource";
import { startDecodeWorker } from "../src/cli/decodeThread";
import type { CaptureSource, MemoryGuard } from "../src/core/source";
import type { Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const BIN = join(__dirname, "../bin/smbscope.mjs");

/** src read at most `piece` bytes a read (many slices from a small file), as the worker's readMax does. */
function inPieces(src: CaptureSource, piece: number): CaptureSource {
  return { ...src, readInto: (offset, dst) => src.readInto(offset, dst.subarray(0, Math.min(dst.length, piece))) };
}

async function inThread(path: string, opts: AnalyzeOptions = {}, piece?: number): Promise<Report> {
  const src = await fileSource(path);
  try { return await analyzeCapture(await nodeDecoder(), piece ? inPieces(src, piece) : src, opts); } finally { await src.close(); }
}

async function inWorker(path: string, opts: AnalyzeOptions = {}, piece?: number): Promise<Report> {
  const src = await fileSource(path);
  try {
    const stream = await startDecodeWorker(src, { readMax: piece });
    if (!stream) throw new Error("no decode worker: build it (npm run build:cli)");
    return await analyzeRecordStream(stream, src, opts);
  } finally { await src.close(); }
}

// (whole in one read, and in 4 KiB reads: the worker then runs ahead of the model by a slice)
const PIECES = [undefined, 4096];

describe("decoding in the CLI's worker", () => {
  const dir = mkdtempSync(join(tmpdir(), "smbscope-worker-"));
  const ok = readFileSync(join(FIX, "smb311-ok.pcapng"));
  // damaged copies: cut inside a record, and a block's length made nonsense halfway
  const cut = join(dir, "cut.pcapng");
  writeFileSync(cut, ok.subarray(0, ok.length - 37));
  const broken = join(dir, "broken.pcapng");
  const b = Buffer.from(ok);
  let at = 0; // the length of the block halfway through the file
  while (at < b.length / 2) at += b.readUInt32LE(at + 4);
  b.writeUInt32LE(0x7ffffff0, at + 4);
  writeFileSync(broken, b);
  const notCapture = join(dir, "notes.pcap");
  writeFileSync(notCapture, "these are notes, not a capture\n".repeat(300));
  const files = [
    join(FIX, "smb311-ok.pcapng"), join(FIX, "bulk-rw.pcap"), join(FIX, "dfs-referral-followed.pcap"),
    join(FIX, "krb-unrelated-errors.pcap"), join(FIX, "smb-loss.pcap"), join(FIX, "netmon/smb311-ok.cap"),
    join(CORPUS, "etl/demikernel-PktMon.etl"), cut, broken, notCapture,
  ];

  for (const f of files) {
    for (const piece of PIECES) {
      it(`gives the Report of one thread: ${f.split("/").slice(-2).join("/")}${piece ? `, ${piece}-byte reads` : ""}`, async () => {
        const want = await inThread(f, {}, piece);
        const got = await inWorker(f, {}, piece);
        expect(JSON.stringify(got)).toBe(JSON.stringify(want));
      });
    }
  }

  it("the damaged copies are reported as damaged (the comparison above is not of two empty Reports)", async () => {
    for (const f of [cut, broken, notCapture]) {
      const r = await inWorker(f);
      expect(r.capture.error ?? r.capture.warnings.join("\n")).toMatch(/byte offset|not a|cut short/);
    }
    expect((await inWorker(join(FIX, "bulk-rw.pcap"), {}, 4096)).connections.length).toBeGreaterThan(0);
  });

  it("a read that fails in the worker is the same error as in one thread, and the worker ends", async () => {
    // a directory opened for reading: every read of it fails (EISDIR)
    const fd = openSync(dir, "r");
    const src = (): NodeSource => ({ ...fdSource(fd, "dir.pcap", 100_000), fd, close: async () => {} });
    try {
      const here = await analyzeCapture(await nodeDecoder(), src(), {}).then(() => "no error", (e: Error) => e.message);
      const stream = await startDecodeWorker(src());
      expect(stream).not.toBeNull();
      const there = await analyzeRecordStream(stream!, src(), {}).then(() => "no error", (e: Error) => e.message);
      expect(here).toMatch(/EISDIR/);
      expect(there).toBe(here);
    } finally { closeSync(fd); }
  });

  it("stops for memory as one thread does, one slice later (the guard is asked in the main thread)", async () => {
    const f = join(FIX, "dfs-referral-followed.pcap"); // three connections one after another, 15,213 bytes
    const tripAt = (k: number): MemoryGuard => { let asked = 0; return { full: () => ++asked >= k }; };
    const here = tripAt(3), there = tripAt(2);
    const want = await inThread(f, { memory: here }, 4096);
    const got = await inWorker(f, { memory: there }, 4096);
    expect(here.at).toBe(3 * 4096);
    expect(there.at).toBe(here.at);
    expect(got.capture.warnings[0]).toMatch(/^Analysis stopped after 12,288 of 15,213 bytes/);
    expect(JSON.stringify(got)).toBe(JSON.stringify(want));
    // the first verdict full: stopped after the second slice, fewer packets than the whole
    const early = tripAt(1);
    const part = await inWorker(f, { memory: early }, 4096);
    expect(early.at).toBe(2 * 4096);
    expect(part.capture.packets).toBeLessThan((await inThread(f)).capture.packets);
    expect(JSON.stringify(part)).toBe(JSON.stringify(await inThread(f, { memory: tripAt(2) }, 4096)));
  });

  it("the command prints the same and exits the same with the worker and without (SMBSCOPE_DECODE_WORKER)", () => {
    const run = (env: string, args: string[]) => {
      const r = spawnSync(process.execPath, [BIN, ...args], { env: { ...process.env, SMBSCOPE_DECODE_WORKER: env }, encoding: "utf8", timeout: 60_000 });
      return { status: r.status, signal: r.signal, out: r.stdout, err: r.stderr };
    };
    for (const args of [["--json", join(FIX, "wrong-password.pcap")], [join(FIX, "smb311-ok.pcap"), cut], [notCapture], ["--json", broken]]) {
      const one = run("0", args), two = run("1", args);
      expect(two.signal).toBeNull(); // (not killed by the timeout: the worker let it exit)
      expect(two).toEqual(one);
    }
    expect(run("1", [notCapture]).status).toBe(2);
  });

  it.sequential("cleans up", () => { rmSync(dir, { recursive: true, force: true }); });
});
