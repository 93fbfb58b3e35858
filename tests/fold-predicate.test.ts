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
import { foldable, foldedFindings } from "../src/core/model/fold";
import { kerberosClient } from "../src/core/model/kerberos";
import type { Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
// the fixtures, and the public corpus beside the project when it is there (../shared/corpus)
const CORPUS = join(__dirname, "../../shared/corpus");
const files = [
  ...readdirSync(FIX).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort().map((f) => join(FIX, f)),
  ...(existsSync(CORPUS) ? (readdirSync(CORPUS, { recursive: true }) as string[]).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).sort().map((f) => join(CORPUS, f)) : []),
];

async function modelAndReport(file: string): Promise<{ folded: string[]; findings: string[][]; total: number; report: Report }> {
  const bytes = new Uint8Array(readFileSync(file));
  const d = await nodeDecoder();
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  const b = new ModelBuilder(file, bytes.length);
  try { d.reset(); d.push(bytes, b); d.finish(b); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  const m = b.finish();
  const krb = new Set((m.krbStore?.messages() ?? []).map((k) => kerberosClient(k.toKdc, k.srcIp, k.dstIp)));
  const ok = m.connections.filter((c) => foldable(c) && !krb.has(c.clientIp));
  const folded = ok.map((c) => `${c.client}-${c.server}#${c.stream}`);
  return { folded, findings: ok.map(foldedFindings), total: m.connections.length, report: buildReport(m) };
}

describe("fold predicate", () => {
  it("calls foldable only connections the Report says nothing about", async () => {
    let folded = 0;
    for (const f of files) {
      const { folded: ids, findings, report } = await modelAndReport(f);
      // the findings that name each connection: none, or SMB1_IN_USE alone for SMB1 (foldedFindings)
      const named = new Map<string, string[]>();
      const name = (id: string, x: string) => { const l = named.get(id); if (l) l.push(x); else named.set(id, [x]); };
      for (const x of report.findings) { if (x.connection) name(x.connection, x.id); for (const y of x.connections ?? []) name(y, x.id); }
      for (const k of report.kerberos) if (k.connection) name(k.connection, "kerberos");
      ids.forEach((key, i) => {
        const [id, stream] = key.split("#");
        const c = report.connections.find((r) => r.id === id && r.stream === Number(stream))!;
        expect({ file: f, id, outcome: c.outcome, findings: c.findings, named: named.get(id) ?? [] }).toEqual({ file: f, id, outcome: "ok", findings: findings[i], named: findings[i] });
      });
      folded += ids.length;
    }
    expect(folded).toBeGreaterThan(0);
  }, 120_000);

  it("folds the healthy fixtures' connections", async () => {
    // SMB 3.1.1, NetBIOS on 139, an SMB1 multi-protocol NEGOTIATE answered in SMB2, and SMB1 that
    // works (folded with its SMB1_IN_USE warning)
    for (const [name, findings] of [["smb311-ok.pcap", []], ["nbss139.pcap", []], ["smb1-multiprotocol-negotiate.pcap", []], ["smb1-nt1-ok.pcap", ["SMB1_IN_USE"]]] as const) {
      const r = await modelAndReport(join(FIX, name));
      expect([name, r.total, r.folded.length, r.findings[0]]).toEqual([name, 1, 1, findings]);
    }
  });
});
