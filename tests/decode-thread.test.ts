// The CLI's decode thread (src/cli/decodeThread.ts, decodeWorker.ts): the decoder in a
// worker_thread, its records' bytes run into the model on the CLI's thread. Whatever the capture,
// the output is the one of the decoder in the CLI's own thread: the same --json Report, the same
// error text, the same partial Report after a memory stop; and a decode thread that dies is an
// error, not a hang. Needs the built worker (dist/cli/decodeWorker.js: npm test builds it).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { main } from "../src/cli/main";
import { analyzeCapture } from "../src/core/analyze";
import { nodeDecoder } from "../src/cli/wasmNode";
import { fileSource, type NodeSource } from "../src/cli/nodeSource";
import { DECODE_THREAD_BY_DEFAULT, threadDecoding, useDecodeThread } from "../src/cli/decodeThread";
import type { MemoryGuard } from "../src/core/source";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const TMP = mkdtempSync(join(tmpdir(), "smbscope-thread-"));
afterAll(() => rmSync(TMP, { recursive: true, force: true }));

/** The CLI's --json output, error text and exit status, with the decode thread (SMBSCOPE_DECODE_THREAD) on or off. */
async function run(file: string, thread: boolean): Promise<{ code: number; out: string; err: string }> {
  const before = process.env.SMBSCOPE_DECODE_THREAD;
  process.env.SMBSCOPE_DECODE_THREAD = thread ? "1" : "0";
  try {
    const out: string[] = [], err: string[] = [];
    const code = await main(["--json", file], (s) => out.push(s), (s) => err.push(s));
    return { code, out: out.join("\n"), err: err.join("\n") };
  } finally {
    if (before === undefined) delete process.env.SMBSCOPE_DECODE_THREAD; else process.env.SMBSCOPE_DECODE_THREAD = before;
  }
}

function files(dir: string, ok: (name: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile() && ok(d.name)).map((d) => join(d.parentPath, d.name)).sort();
}
const capture = (n: string) => /\.(pcap|pcapng|cap|etl)$/.test(n);

// a capture of 12 slices of 2 MiB (more than the decode thread's slots in flight), made by
// bench/gen.mjs from the real fixtures: connection-dense, so that most slices make their records
// in two or more output regions, sent together in one slot
const BIG = join(TMP, "dense24.pcap");
beforeAll(() => {
  execFileSync(process.execPath, [join(__dirname, "../bench/gen.mjs"), "dense", BIG, "--bytes", "24000000"], { stdio: "ignore" });
});

describe("the decode thread", () => {
  it("is used only where asked or worth it", async () => {
    const src = await fileSource(join(FIX, "smb311-ok.pcap"));
    try {
      expect(useDecodeThread(src, {})).toBe(false); // small: in this thread
      expect(useDecodeThread(src, { SMBSCOPE_DECODE_THREAD: "1" })).toBe(true);
      expect(useDecodeThread({ ...src, size: 1 << 30 }, {})).toBe(DECODE_THREAD_BY_DEFAULT);
      expect(useDecodeThread({ ...src, size: 1 << 30 }, { SMBSCOPE_DECODE_THREAD: "0" })).toBe(false);
      expect(useDecodeThread({ ...src, fd: undefined, size: -1 }, { SMBSCOPE_DECODE_THREAD: "1" })).toBe(false); // a stream
    } finally { await src.close(); }
  });

  it("gives every fixture's Report as the decoder in this thread does", { timeout: 600_000 }, async () => {
    const all = files(FIX, capture);
    expect(all.length).toBeGreaterThan(100);
    for (const f of all) expect(await run(f, true), f).toEqual(await run(f, false));
  });

  it("gives every corpus capture's Report as the decoder in this thread does", { timeout: 600_000 }, async () => {
    const all = files(CORPUS, capture);
    if (all.length === 0) { console.log(`skipped: no corpus at ${CORPUS}`); return; }
    for (const f of all) expect(await run(f, true), f).toEqual(await run(f, false));
  });

  it("gives a capture of many slices' Report as the decoder in this thread does", { timeout: 120_000 }, async () => {
    const t = await run(BIG, true);
    expect(JSON.parse(t.out).capture.packets).toBeGreaterThan(100_000);
    expect(t).toEqual(await run(BIG, false));
  });

  it("gives a cut or corrupt capture's error text and partial Report as this thread does", { timeout: 120_000 }, async () => {
    const bytes = readFileSync(BIG);
    const cut = join(TMP, "cut.pcap");
    writeFileSync(cut, bytes.subarray(0, 9_000_001)); // inside a packet record, in the 5th slice
    // a record header whose length no pcap allows, in the 4th slice: decoding stops there (EV_ERROR)
    const bad = Buffer.from(bytes);
    let o = 24;
    while (o < 7_000_000) o += 16 + bad.readUInt32LE(o + 8);
    bad.writeUInt32LE(0x7fffffff, o + 8);
    bad.writeUInt32LE(0x7fffffff, o + 12);
    const corrupt = join(TMP, "corrupt.pcap");
    writeFileSync(corrupt, bad);
    for (const f of [cut, corrupt]) {
      const t = await run(f, true);
      expect(t).toEqual(await run(f, false));
      expect(t.out).toMatch(f === cut ? /cut short|truncated/i : /"error":/);
    }
    // and reading stops at the slice of the error, as in this thread (not read on to the end)
    const readTo = async (thread: boolean) => {
      const src = await fileSource(corrupt);
      let last = 0;
      try { await analyzeCapture(thread ? threadDecoding(src as NodeSource & { fd: number }) : await nodeDecoder(), src, { onProgress: (p) => { last = p.bytes; } }); }
      finally { await src.close(); }
      return last;
    };
    const stopped = await readTo(true);
    expect(stopped).toBeLessThan(bad.length);
    expect(stopped).toBe(await readTo(false));
  });

  it("stops for memory where it says, with the Report the decoder in this thread makes stopped there", { timeout: 120_000 }, async () => {
    const analyze = async (thread: boolean, guard: MemoryGuard) => {
      const src = await fileSource(BIG);
      try { return await analyzeCapture(thread ? threadDecoding(src as NodeSource & { fd: number }) : await nodeDecoder(), src, { memory: guard }); }
      finally { await src.close(); }
    };
    let asked = 0;
    const threaded: MemoryGuard = { full: () => ++asked >= 2 };
    const part = await analyze(true, threaded);
    // the decode thread may have run a few slices ahead of the model when the guard tripped
    const at = threaded.at!;
    const slice = 2 << 20;
    expect(at % slice).toBe(0);
    expect(at).toBeGreaterThanOrEqual(2 * slice);
    const size = readFileSync(BIG).length;
    expect(at).toBeLessThan(size);
    expect(part.capture.warnings[0]).toContain(`Analysis stopped after ${at.toLocaleString("en-US")} of ${size.toLocaleString("en-US")} bytes`);
    let asked1 = 0;
    const one: MemoryGuard = { full: () => ++asked1 >= at / slice };
    const same = await analyze(false, one);
    expect(one.at).toBe(at);
    expect(JSON.stringify(part)).toBe(JSON.stringify(same));
  });

  it("says so when the decode thread fails or dies, and does not hang", async () => {
    const src = await fileSource(join(FIX, "smb311-ok.pcap")) as NodeSource & { fd: number };
    try {
      const worker = new URL("./support/failingWorker.mjs", import.meta.url);
      await expect(analyzeCapture(threadDecoding(src, worker), src)).rejects.toThrow(/^the decode thread failed: decode thread broken on purpose$/);
      await expect(analyzeCapture(threadDecoding(src, new URL("./support/exitingWorker.mjs", import.meta.url)), src)).rejects.toThrow(/^the decode thread ended \(exit code 3\) before the capture's end$/);
    } finally { await src.close(); }
    // a read that fails in the decode thread (a descriptor no file has) is the read's error
    const gone = { name: "smb311-ok.pcap", size: 2000, fd: 1 << 20, readInto: async () => 0, close: async () => {} };
    await expect(analyzeCapture(threadDecoding(gone), gone)).rejects.toThrow(/EBADF/);
  });
});
