// Unanswered SYNs kept as rows until the end (src/core/model/pendingTcp.ts, OPEN rows): a
// connection that is SYNs and nothing else becomes a row once quiet (or when too many wait), is
// made a model again when a later packet of its stream comes (a retransmitted SYN, a reset), and
// at the end ICMP errors attach to it as to a model and it is settled as the refused rows are.
// The Report (its JSON, its text, the records a sink gets) must be the one made with those
// connections kept as models (openRows off: tests/support/foldRun.ts switchRun), on the real
// captures of unanswered and ICMP-refused SYNs, and on replicas of them (bench/gen.mjs) past the
// Report's budgets: many at a time (the oldest become rows early and come back with their next
// SYN), with time passing (rows once quiet, back on a retransmission), on hosts where 139 or
// Kerberos got through.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { ModelBuilder, MODEL_FIELDS } from "../src/core/model/builder";
import { fieldFilter, type EventRecord } from "../src/core/decoder/records";
import { buildReport } from "../src/core/reportBuilder";
import { openRows } from "../src/core/model/pendingTcp";
import { LADDERS_PROBLEM } from "../src/core/connectionRecord";
import { renderText } from "../src/cli/render";
import type { Report } from "../src/core/report";
import { switchRun } from "./support/foldRun";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

const FIX = join(__dirname, "../fixtures");
let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-open-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

/** What the rows did with `file`: OPEN rows made while decoding, made models again; rows folded at the end. */
async function counts(file: string): Promise<{ opened: number; revivals: number; folded: number; report: Report }> {
  const bytes = new Uint8Array(readFileSync(file));
  const d = await nodeDecoder();
  const b = new ModelBuilder(file.split("/").pop()!, bytes.length);
  b.foldAtClose(null, true);
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  const events = { record: (ev: EventRecord) => b.record(ev) };
  try { d.reset(); d.push(bytes, events); d.finish(events); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  const m = b.finish();
  const p = m.folded!.pending!;
  const r = { opened: p.opened, revivals: p.revivals }, folds = m.folded!.diagnosed!, before = folds.count;
  const report = buildReport(m);
  return { ...r, folded: folds.count - before, report };
}

/** The Reports of `file` with the OPEN rows and without (as models), asserted the same, with and without a sink; the models kept to the end of each. */
async function same(file: string): Promise<{ on: number; off: number; report: Report }> {
  const on = await switchRun(file, openRows, true), off = await switchRun(file, openRows, false);
  expect(on.json === off.json).toBe(true);
  if (on.json !== off.json) expect(on.report).toEqual(off.report); // (the difference, if any)
  expect(renderText(on.report, false)).toBe(renderText(off.report, false));
  const sunkOn = await switchRun(file, openRows, true, true), sunkOff = await switchRun(file, openRows, false, true);
  expect(sunkOn.json === sunkOff.json).toBe(true);
  expect(JSON.stringify(sunkOn.report.connections)).toBe(JSON.stringify(off.report.connections));
  return { on: on.kept, off: off.kept, report: on.report };
}

const seed = (f: string) => loadSeed(join(FIX, f));
const ids = (r: Report, id: string) => r.connections.filter((c) => c.findings.includes(id));

describe("unanswered SYNs as rows until the end", () => {
  for (const f of ["tcp-no-answer.pcap", "syn-icmp-prohibited.pcap"]) {
    it(`make the Report of ${f} (real) without them`, async () => {
      const r = await same(join(FIX, f));
      // it happened: its one connection a row at the end, not a model
      expect(r.off - r.on).toBe(1);
      expect(r.report.connections.length).toBe(1);
    }, 60_000);
  }

  it("make the Report of replicas many at a time without them: the oldest rows early, back as models at their next SYN", async () => {
    // tcp-no-answer (five SYNs) and syn-icmp-prohibited (a SYN refused by ICMP) replicas, 1,500
    // at a time (gen.mjs lanes: one packet of each in turn), more than the rows' waiting budget:
    // past the Report's ladder budget, most folded at the end
    const file = join(dir, "many.pcap"), n = LADDERS_PROBLEM + 1400;
    generate(file, { mix: [{ seed: seed("tcp-no-answer.pcap"), weight: 2 }, { seed: seed("syn-icmp-prohibited.pcap"), weight: 1 }], replicas: n, lanes: 1500 });
    const r = await same(file);
    expect(r.off - r.on).toBeGreaterThan(n - LADDERS_PROBLEM - 200);
    expect(ids(r.report, "TCP_NO_ANSWER").length + ids(r.report, "TCP_REJECTED").length).toBe(n);
    expect(ids(r.report, "TCP_REJECTED").length).toBeGreaterThan(400);
    const c = await counts(file);
    expect(c.revivals).toBeGreaterThan(500);
    expect(c.opened - c.revivals).toBe(n);
    // the first LADDERS_PROBLEM kept (their ladders are the Report's), the others folded
    expect(c.folded).toBe(n - LADDERS_PROBLEM);
    expect(r.report.connections.filter((x) => x.ladder).length).toBe(LADDERS_PROBLEM);
  }, 240_000);

  it("make the Report of replicas among more healthy connections without them, rows made models again among them", async () => {
    // tcp-no-answer replicas 1,500 at a time (made models again: rows gone among those left),
    // among more smb311-ok ones folded as they close: the end reads the rows' host pairs
    // (readers: of the folded rows set up fine, only those of the rows' hosts)
    const file = join(dir, "healthy.pcap"), n = 3 * LADDERS_PROBLEM + 2000;
    generate(file, { mix: [{ seed: seed("tcp-no-answer.pcap"), weight: 1 }, { seed: seed("smb311-ok.pcap"), weight: 2 }], replicas: n, lanes: 1500, hosts: 97 });
    const r = await same(file);
    const c = await counts(file);
    expect(c.revivals).toBeGreaterThan(100);
    expect(ids(r.report, "TCP_NO_ANSWER").length).toBeGreaterThan(n / 4);
    expect(c.folded).toBeGreaterThan(0);
  }, 240_000);

  it("make the Report of replicas with time passing without them: rows once quiet, back at a retransmission", async () => {
    // ~0.25 s between packets (gen.mjs tickUs), 24 at a time: a replica's SYNs come ~6 s apart,
    // past the quiet time, so most SYNs after the first make the row a model again
    const file = join(dir, "quiet.pcap"), n = LADDERS_PROBLEM + 300;
    generate(file, { mix: [{ seed: seed("tcp-no-answer.pcap"), weight: 3 }, { seed: seed("syn-icmp-prohibited.pcap"), weight: 1 }, { seed: seed("tcp-rejected.pcap"), weight: 1 }], replicas: n, lanes: 24, tickUs: 500_000 });
    const r = await same(file);
    expect(r.off - r.on).toBeGreaterThan(150);
    const c = await counts(file);
    expect(c.revivals).toBeGreaterThan(1000);
    expect(c.folded).toBeGreaterThan(100);
  }, 240_000);

  it("keep the unanswered SYNs of hosts whose client got through on 139 or spoke Kerberos, as models", async () => {
    // every replica on one of 40 host pairs (gen.mjs hosts): unanswered 445s among nbss139 and
    // Kerberos setups of the same hosts (readers: kept as models at the end), many at a time
    const file = join(dir, "fallback.pcap");
    generate(file, { mix: [{ seed: seed("tcp-no-answer.pcap"), weight: 3 }, { seed: seed("nbss139.pcap"), weight: 1 }, { seed: seed("krb-smb-ok.pcap"), weight: 1 }], replicas: LADDERS_PROBLEM + 1500, lanes: 1200, hosts: 40 });
    const r = await same(file);
    expect(ids(r.report, "PORT_139_FALLBACK").length).toBeGreaterThan(500);
    expect(r.report.kerberos.length).toBeGreaterThan(300);
    const c = await counts(file);
    expect(c.opened).toBeGreaterThan(500);
    // (every host pair has both: none folded, every row kept as a model at the end)
    expect(c.folded).toBe(0);
  }, 240_000);
});
