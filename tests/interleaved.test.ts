// Several real captures merged into one file, their packets interleaved in time, plus
// unrelated traffic: each SMB connection must still get the verdict it gets on its own.
import { describe, it, expect } from "vitest";
import { readFileSync, writeFileSync, mkdtempSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { readPcap, writePcap, type PcapRecord } from "./support/pcap";
import { reportOf } from "./support/report";

const FIX = join(__dirname, "../fixtures");
const SOURCES = ["tree-bad-share", "wrong-password", "encrypt-smb21", "negotiate-no-response", "tcp-rejected", "ntlm-account-disabled", "krb-spn-unknown", "tree-access-denied"];
const UNRELATED = join(__dirname, "../../shared/corpus/zeek/smtp.pcap"); // unrelated TCP/UDP, when present

describe("interleaved connections", () => {
  it("each connection keeps its own verdict in a merged capture", async () => {
    const records: PcapRecord[] = [];
    const expected: { client: string; server: string; outcome: string; failedPhase: string | null; findings: string[]; from: string }[] = [];
    // Shift each capture so that they all start within the same 50 ms and interleave
    SOURCES.forEach((name, i) => {
      const p = readPcap(join(FIX, `${name}.pcap`));
      const t0 = p.records[0].tsUs;
      for (const r of p.records) records.push({ ...r, tsUs: 1_700_000_000_000_000n + (r.tsUs - t0) + BigInt(i * 3_000) });
      const exp = JSON.parse(readFileSync(join(FIX, `${name}.expected.json`), "utf8"));
      for (const c of exp.connections) expected.push({ client: c.client, server: c.server, outcome: c.outcome, failedPhase: c.failedPhase ?? null, findings: c.findings ?? [], from: name });
    });
    try {
      const u = readPcap(UNRELATED);
      const t0 = u.records[0].tsUs;
      for (const r of u.records) records.push({ ...r, tsUs: 1_700_000_000_000_000n + (r.tsUs - t0) / 100n });
    } catch { console.log("interleaved test: ../shared/corpus absent, no unrelated traffic mixed in"); }
    records.sort((a, b) => (a.tsUs < b.tsUs ? -1 : a.tsUs > b.tsUs ? 1 : 0));
    const dir = mkdtempSync(join(tmpdir(), "smbscope-"));
    const path = join(dir, "merged.pcap");
    writeFileSync(path, writePcap(1, records));
    const r = await reportOf(path);
    expect(r.capture.packets).toBe(records.length);
    for (const e of expected) {
      const own = await reportOf(join(FIX, `${e.from}.pcap`));
      const ownConn = own.connections.find((c) => c.client.startsWith(`${e.client}:`) && c.server === e.server)!;
      const conn = r.connections.find((c) => c.client === ownConn.client && c.server === ownConn.server);
      expect(conn, `${e.from}: ${ownConn.client} → ${ownConn.server}`).toBeDefined();
      expect({ from: e.from, outcome: conn!.outcome, failedPhase: conn!.failedPhase }).toEqual({ from: e.from, outcome: e.outcome, failedPhase: e.failedPhase });
      for (const id of e.findings) expect(conn!.findings, `${e.from} ${id}`).toContain(id);
    }
  });
});
