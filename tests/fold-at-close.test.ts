// The fold at close (src/core/model/fold.ts): healthy connections become their Report record as
// the capture goes past the frame that closed them, and the Report is the one made without
// folding, JSON and text alike. Over every fixture and corpus capture; the healthy fixtures'
// connections must actually fold, at close and not at the end; and with a ConnectionSink the
// folded records go there, sorting into the Report's connections.
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { ModelBuilder, MODEL_FIELDS } from "../src/core/model/builder";
import { fieldFilter, type EventRecord } from "../src/core/decoder/records";
import { buildReport } from "../src/core/reportBuilder";
import { renderText } from "../src/cli/render";
import type { Connection, Report } from "../src/core/report";
import type { ConnectionSink } from "../src/core/connectionSink";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const files = [
  ...readdirSync(FIX).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort().map((f) => join(FIX, f)),
  ...(existsSync(CORPUS) ? (readdirSync(CORPUS, { recursive: true }) as string[]).filter((f) => /\.(pcap|pcapng|cap)$/.test(f)).sort().map((f) => join(CORPUS, f)) : []),
];

interface Run { report: Report; folded: number; atClose: number; late: string[]; after: number }

/** The Report of a capture, folding (with `sink` or without) or not; and how and when the folds happened. */
async function run(file: string, fold: boolean, sink?: ConnectionSink): Promise<Run> {
  const bytes = new Uint8Array(readFileSync(file));
  const d = await nodeDecoder();
  const b = new ModelBuilder(file.split("/").pop()!, bytes.length);
  if (fold) b.foldAtClose(sink ?? null);
  const m = b.model;
  let atClose = 0, seen = 0, lastFrame = 0, after = 0;
  const late: string[] = [];
  const watch = {
    record(ev: EventRecord) {
      const frame = ev.frame;
      if (seen) after++;
      b.record(ev);
      const rows = m.folded?.rows;
      for (; rows && seen < rows.length; seen++) {
        const r = rows.at(seen);
        // folded as this record came: one of a later frame than the one that closed it (the first
        // such, unless the capture's time had not passed the Kerberos pairing's window yet), and
        // its model gone from the model's list at once
        if (frame <= r.lastFrame) late.push(`stream ${r.stream} folded at frame ${frame}, not past its close at ${r.lastFrame}`);
        if (m.connections.some((c) => c.order === r.order)) late.push(`stream ${r.stream} still has its model`);
        if (frame > r.lastFrame && lastFrame <= r.lastFrame) atClose++;
      }
      lastFrame = frame;
    },
  };
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  try { d.reset(); d.push(bytes, watch); d.finish(watch); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  const folded = m.folded?.rows.length ?? 0;
  return { report: buildReport(b.finish(), sink), folded, atClose, late, after };
}

describe("fold at close", () => {
  it("makes the same Report as no folding, on every fixture and corpus capture", async () => {
    let folded = 0, files1 = 0;
    for (const f of files) {
      const off = await run(f, false);
      const on = await run(f, true);
      expect(on.late, f).toEqual([]);
      expect(JSON.stringify(on.report), f).toBe(JSON.stringify(off.report));
      expect(renderText(on.report, false), f).toBe(renderText(off.report, false));
      folded += on.folded;
      if (on.folded) files1++;
    }
    // the healthy connections of many captures fold (not a fold that never happens)
    expect(folded).toBeGreaterThan(15);
    expect(files1).toBeGreaterThan(15);
  }, 300_000);

  it("folds the healthy fixtures' connections while decoding, dropping their models", async () => {
    for (const name of ["smb311-ok.pcap", "nbss139.pcap", "smb1-nt1-ok.pcap"]) {
      const r = await run(join(FIX, name), true);
      expect(r.folded, name).toBe(r.report.connections.length);
      expect(r.folded, name).toBeGreaterThan(0);
      expect(r.atClose, name).toBe(r.folded);
      expect(r.late, name).toEqual([]);
    }
    // two connections, the first healthy and closed before the second refuses its session: folded
    // at its close, with the capture's records still to come (and the Report the same: the
    // refusal names its session, set up on the folded one)
    const r = await run(join(FIX, "user-session-deleted.pcap"), true);
    expect([r.folded, r.atClose, r.report.connections.length, r.late]).toEqual([1, 1, 2, []]);
    expect(r.after).toBeGreaterThan(0);
    expect(r.report.findings.find((f) => f.id === "USER_SESSION_DELETED")?.explanation).toMatch(/belongs to connection .* \(tcp\.stream 0\)/);
  });

  it("sends the folded records to a ConnectionSink, in an order that sorts to the Report's", async () => {
    let sunk = 0;
    for (const f of files.filter((x) => x.startsWith(FIX))) {
      const whole = await run(f, false);
      const got: [number, string][] = [];
      const r = await run(f, true, { put: (order: number, c: Connection) => { got.push([order, JSON.stringify(c)]); } });
      expect(r.report.connections, f).toEqual([]);
      got.sort((a, b) => a[0] - b[0]);
      expect(got.map(([, j]) => j), f).toEqual(whole.report.connections.map((c) => JSON.stringify(c)));
      expect(JSON.stringify({ ...r.report, connections: undefined }), f).toBe(JSON.stringify({ ...whole.report, connections: undefined }));
      sunk += r.folded;
    }
    expect(sunk).toBeGreaterThan(15);
  }, 300_000);
});
