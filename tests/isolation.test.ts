// Nothing one capture does to the decoder reaches the next file (issue 12). The hostile capture is
// fixtures/regress/reorder-null-store.pcap (crafted by scripts/fuzz/make-regress.mjs): a 1-byte
// hole, 16 one-byte segments behind it, then a segment 82 bytes further ahead, which the reorder
// store once copied through a released (zero) buffer pointer over the decoder's static data, so
// that a clean Kerberos capture analysed next lost its Kerberos (auth and SPN gone from the
// Report). Checked both ways a user meets it: several files in one CLI run (each file has its own
// decoder instance now), and one Decoder reused (the reorder store itself fixed).
import { describe, it, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { main } from "../src/cli/main";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeBytes } from "../src/core/analyze";

const FX = join(__dirname, "../fixtures");
const HOSTILE = join(FX, "regress/reorder-null-store.pcap");
const CLEAN = join(FX, "krb-smb-ok.pcap");
const read = (p: string) => new Uint8Array(readFileSync(p));

async function cli(args: string[]) {
  const out: string[] = [];
  const code = await main(args, (s) => out.push(s), () => {});
  return { code, lines: out.join("\n").split("\n").filter((l) => l.length) };
}

describe("a hostile capture, then a clean one", () => {
  it("the CLI with both files gives the clean capture the Report it gets alone", async () => {
    const alone = await cli(["--json", CLEAN]);
    const both = await cli(["--json", HOSTILE, CLEAN]);
    const line = both.lines.find((l) => JSON.parse(l).capture.file === "krb-smb-ok.pcap")!;
    const clean = JSON.parse(line);
    expect(clean.connections[0].auth).toBe("kerberos");
    expect(clean.connections[0].kerberosService).toBe("cifs/dc1.corp.example.test");
    expect(line).toBe(alone.lines[0]);
    // and the readable output of the clean capture is the same as alone
    const text = await cli([HOSTILE, CLEAN]);
    const aloneText = await cli([CLEAN]);
    const from = text.lines.findIndex((l) => l.startsWith("krb-smb-ok.pcap"));
    expect(text.lines.slice(from)).toEqual(aloneText.lines);
  });

  it("one Decoder reused: the clean capture's Report is its Report alone, the static data unchanged", async () => {
    const alone = JSON.stringify(analyzeBytes(await nodeDecoder(), read(CLEAN), "krb-smb-ok.pcap"));
    const d = await nodeDecoder();
    const fresh = d.staticData();
    const hostile = analyzeBytes(d, read(HOSTILE), "reorder-null-store.pcap");
    // the hostile capture itself: the lost byte is a gap, the rest of the stream is kept
    expect(hostile.findings.map((f) => f.id)).toContain("CAPTURE_INCOMPLETE");
    expect(d.staticDataChangedAt()).toBe(-1);
    expect(d.staticData()).toEqual(fresh);
    expect(JSON.stringify(analyzeBytes(d, read(CLEAN), "krb-smb-ok.pcap"))).toBe(alone);
  });

  it("one Decoder reused: a file's event records are those of a fresh instance (frame numbers included)", async () => {
    const fresh = await nodeDecoder();
    const alone = fresh.recordBytes(read(CLEAN));
    const d = await nodeDecoder();
    d.recordBytes(read(join(FX, "smb311-ok.pcap")));
    expect(d.recordBytes(read(CLEAN))).toEqual(alone);
  });

  it("every input in fixtures/regress, then the clean capture, on one Decoder", async () => {
    const alone = JSON.stringify(analyzeBytes(await nodeDecoder(), read(CLEAN), "krb-smb-ok.pcap"));
    const d = await nodeDecoder();
    const files = readdirSync(join(FX, "regress")).filter((x) => /\.(pcap|pcapng|bin)$/.test(x));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const f of files) {
      analyzeBytes(d, read(join(FX, "regress", f)), f);
      expect(d.staticDataChangedAt(), f).toBe(-1);
      expect(JSON.stringify(analyzeBytes(d, read(CLEAN), "krb-smb-ok.pcap")), f).toBe(alone);
    }
  });
});
