// The fold's predicate (src/core/model/fold.ts): a connection it calls foldable must be one the
// Report says nothing about beyond its record: outcome "ok", no finding names it, no Kerberos
// message is attached to it. Checked on the model at the capture's end of every fixture; and the
// healthy fixtures' connections must be foldable (a predicate that folds nothing saves nothing).
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { ModelBuilder, MODEL_FIELDS } from "../src/core/model/builder";
import { fieldFilter } from "../src/core/decoder/records";
import { buildReport } from "../src/core/reportBuilder";
import { foldable, kerberosClient } from "../src/core/model/fold";
import type { Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
// the fixtures, and the public corpus beside the project when it is there (../shared/corpus)
const CORPUS = join(__dirname, "../../shared/corpus");
const files = [
  ...readdirSync(FIX).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort().map((f) => join(FIX, f)),
  ...(existsSync(CORPUS) ? (readdirSync(CORPUS, { recursive: true }) as string[]).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).sort().map((f) => join(CORPUS, f)) : []),
];

async function modelAndReport(file: string): Promise<{ folded: string[]; total: number; report: Report }> {
  const bytes = new Uint8Array(readFileSync(file));
  const d = await nodeDecoder();
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  const b = new ModelBuilder(file, bytes.length);
  try { d.reset(); d.push(bytes, b); d.finish(b); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  const m = b.finish();
  const krb = new Set(m.kerberos.map(kerberosClient));
  const folded = m.connections.filter((c) => foldable(c) && !krb.has(c.clientIp)).map((c) => `${c.client}-${c.server}#${c.stream}`);
  return { folded, total: m.connections.length, report: buildReport(m) };
}

describe("fold predicate", () => {
  it("calls foldable only connections the Report says nothing about", async () => {
    let folded = 0;
    for (const f of files) {
      const { folded: ids, report } = await modelAndReport(f);
      const named = new Set<string>();
      for (const x of report.findings) { if (x.connection) named.add(x.connection); for (const y of x.connections ?? []) named.add(y); }
      for (const k of report.kerberos) if (k.connection) named.add(k.connection);
      for (const key of ids) {
        const [id, stream] = key.split("#");
        const c = report.connections.find((r) => r.id === id && r.stream === Number(stream))!;
        expect({ file: f, id, outcome: c.outcome, findings: c.findings, named: named.has(id) }).toEqual({ file: f, id, outcome: "ok", findings: [], named: false });
      }
      folded += ids.length;
    }
    expect(folded).toBeGreaterThan(0);
  }, 120_000);

  it("folds the healthy fixtures' connections", async () => {
    // SMB 3.1.1, NetBIOS on 139, and an SMB1 multi-protocol NEGOTIATE answered in SMB2
    for (const name of ["smb311-ok.pcap", "nbss139.pcap", "smb1-multiprotocol-negotiate.pcap"]) {
      const { folded, total } = await modelAndReport(join(FIX, name));
      expect([name, total, folded.length]).toEqual([name, 1, 1]);
    }
    // SMB1 that works is told SMB1_IN_USE (a warning): not foldable
    expect((await modelAndReport(join(FIX, "smb1-nt1-ok.pcap"))).folded).toEqual([]);
  });
});
