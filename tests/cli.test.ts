// The smbscope command as a script sees it: output formats and exit status.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { main } from "../src/cli/main";

const FIX = join(__dirname, "../fixtures");

async function run(args: string[]) {
  const out: string[] = [], err: string[] = [];
  const code = await main(args, (s) => out.push(s), (s) => err.push(s));
  const text = out.join("\n");
  return { code, out: text, err: err.join("\n"), lines: text.split("\n").filter((l) => l.length) };
}

describe("smbscope CLI", () => {
  it("prints the verdict first and exits 1 when a connection failed", async () => {
    const r = await run([join(FIX, "tree-bad-share.pcap")]);
    expect(r.code).toBe(1);
    const verdictLine = r.out.split("\n")[2];
    expect(verdictLine).toContain("tree connect");
    expect(verdictLine).toContain("STATUS_BAD_NETWORK_NAME");
    expect(r.out).toContain("[TREE_BAD_NETWORK_NAME]");
    expect(r.out).toContain("\\\\10.99.1.1\\nosuchshare");
    expect(r.out).not.toContain("\x1b["); // no colour when not on a terminal
  });

  it("exits 0 for a capture whose connections all set up fine", async () => {
    const r = await run([join(FIX, "smb311-ok.pcap")]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("set up fine");
  });

  it("--json prints one Report per file, one per line", async () => {
    const r = await run(["--json", join(FIX, "wrong-password.pcap"), join(FIX, "smb311-ok.pcap")]);
    expect(r.lines).toHaveLength(2);
    const [a, b] = r.lines.map((l) => JSON.parse(l));
    expect(a.version).toBe(1);
    expect(a.capture.file).toBe("wrong-password.pcap");
    expect(a.connections[0].failedPhase).toBe("session_setup");
    expect(a.findings.map((f: { id: string }) => f.id)).toContain("LOGON_FAILURE");
    expect(b.connections[0].outcome).toBe("ok");
    expect(r.code).toBe(1); // the worst of the files
  });

  it("--events prints JSON Lines in frame order", async () => {
    const r = await run(["--events", join(FIX, "tree-bad-share.pcap")]);
    const evs = r.lines.map((l) => JSON.parse(l));
    const smb = evs.filter((e) => e.proto === "smb2");
    expect(smb.length).toBeGreaterThan(10);
    const frames = smb.map((e) => e.frame);
    expect([...frames].sort((x, y) => x - y)).toEqual(frames);
    expect(smb.find((e) => e.statusName === "STATUS_BAD_NETWORK_NAME")).toMatchObject({ cmd: 3, response: true, stream: 0 });
    expect(smb.find((e) => e.tree?.endsWith("nosuchshare"))).toMatchObject({ cmd: 3, response: false });
  });

  it("exits 2 with a clear message for a file that is not a capture", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-"));
    const p = join(dir, "notes.txt");
    writeFileSync(p, "just some text, not packets\n");
    const r = await run([p]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("notes.txt is not a packet capture");
    const missing = await run([join(dir, "nope.pcap")]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain("no such file");
  });
});

describe("streamed JSON", () => {
  it("writes exactly what JSON.stringify would, in pieces", async () => {
    const { writeJson } = await import("../src/cli/jsonStream");
    const { reportOf } = await import("./support/report");
    const r = await reportOf(join(FIX, "tree-bad-share.pcap"));
    // make the arrays long enough to be written in chunks
    const big = { ...r, connections: Array.from({ length: 1201 }, (_, i) => ({ ...r.connections[0], stream: i })) };
    const parts: string[] = [];
    await writeJson(big as unknown as Record<string, unknown>, (s) => { parts.push(s); });
    expect(parts.length).toBeGreaterThan(5);
    expect(parts.join("")).toBe(JSON.stringify(big));
  });

  it("waits for the output to drain when it is full", async () => {
    const { writeJson } = await import("../src/cli/jsonStream");
    const value = { a: Array.from({ length: 500 }, (_, i) => ({ i })), b: 1 };
    const parts: string[] = [];
    let waits = 0, inFlight = false;
    // an output that is full after every piece: the writer must never write while it waits
    await writeJson(value, (s) => { expect(inFlight).toBe(false); parts.push(s); return false; },
      async () => { waits++; inFlight = true; await new Promise((r) => setTimeout(r, 1)); inFlight = false; });
    expect(waits).toBe(parts.length);
    expect(parts.join("")).toBe(JSON.stringify(value));
  });
});
