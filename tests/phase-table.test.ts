// A connection's phases written straight from its model (model/phaseTable.ts ModelPhases, the
// --json spool's bytes: src/cli/jsonBytes.ts) are the JSON of the Report's phase records made of
// the same table (phasesOf), for every connection of every fixture, for crafted phases with
// every optional key present and absent, hostile status texts and odd times; and the records the
// fold puts to a sink that writes them from the model are the Report's records without a sink.
import { describe, it, expect } from "vitest";
import { readdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { JsonBytes } from "../src/cli/jsonBytes";
import { nodeDecoder } from "../src/cli/wasmNode";
import { buildReport } from "../src/core/reportBuilder";
import { phasesOf } from "../src/core/model/summarize";
import { ModelPhases, PHASE_KEYS, PhaseFacts, phaseRecord } from "../src/core/model/phaseTable";
import type { ConnModel } from "../src/core/model/types";
import type { Connection } from "../src/core/report";
import type { ConnectionSink } from "../src/core/connectionSink";
import { portOf } from "../src/core/model/fold";
import { decodedBuilder } from "./support/foldRun";

const FIX = join(__dirname, "../fixtures");
const CAPTURE = /\.(pcap|pcapng|cap)$/;
const fixtures = ["", "netmon", "netmon1", "regress"].flatMap((d) => readdirSync(join(FIX, d)).filter((f) => CAPTURE.test(f)).sort().map((f) => join(FIX, d, f)));

/** The models of `file`'s connections (no fold: every one kept), or with the fold on, its records put to `sink`. */
async function decode(file: string, sink: ConnectionSink | null = null, fold = false, counts?: { diagnosed: number }) {
  const b = decodedBuilder(await nodeDecoder(), file, sink, fold);
  // (the connections folded with their diagnosis: read before finish, as tests/fold-diagnosed.test.ts does)
  if (counts) counts.diagnosed = b.model.folded?.diagnosed?.count ?? 0;
  return b.finish();
}

const phases = new ModelPhases();
/** `{ x: <c's phases> }` as the spool's encoder writes it from the model, after other text (kept as it was) */
function written(c: ConnModel, enc = new JsonBytes(16)): string {
  enc.buf.write("[1,", 0, "latin1"); enc.at = 3;
  phases.c = c;
  try {
    expect(enc.value({ x: phases, y: 2 })).toBe(true);
    expect(enc.buf.toString("latin1", 0, 3)).toBe("[1,");
    return enc.buf.toString("utf8", 3, enc.at);
  } finally { phases.c = null; }
}
const objectForm = (c: ConnModel) => JSON.stringify({ x: phasesOf(c), y: 2 });

describe("phases written from the model (model/phaseTable.ts)", () => {
  it("are the phase records' JSON for every connection of every fixture", async () => {
    const enc = new JsonBytes(16);
    let n = 0;
    for (const f of fixtures) {
      const m = await decode(f);
      for (const c of m.connections) {
        expect(written(c, enc), `${f} ${c.client}-${c.server}`).toBe(objectForm(c));
        // (through JSON.stringify too, as the spool does when it cannot use the file: toJSON)
        phases.c = c;
        expect(JSON.stringify({ x: phases, y: 2 })).toBe(objectForm(c));
        phases.c = null;
        n++;
      }
    }
    expect(n).toBeGreaterThan(100);
  });

  it("record keys in PHASE_KEYS' order, every optional one present or absent as the facts say", () => {
    const f = new PhaseFacts();
    f.phase = "negotiate"; f.requestFrame = 3; f.responseFrame = 4; f.status = "STATUS_SUCCESS";
    f.hasLatency = true; f.latency = 1234; f.hasOffset = true; f.offset = 5; f.note = "n";
    expect(Object.keys(phaseRecord(f))).toEqual([...PHASE_KEYS]);
    expect(phaseRecord(f)).toEqual({ phase: "negotiate", requestFrame: 3, responseFrame: 4, status: "STATUS_SUCCESS", latencyMs: 1.234, offsetMs: 0.005, note: "n" });
    f.hasLatency = false; f.hasOffset = false; f.note = undefined; f.requestFrame = null;
    expect(JSON.stringify(phaseRecord(f))).toBe('{"phase":"negotiate","requestFrame":null,"responseFrame":4,"status":"STATUS_SUCCESS","latencyMs":null}');
  });

  it("crafted phases: each kind, answered or not, hostile status texts, odd times", async () => {
    // crafted (no real stack sends these): a fixture's healthy connection with its facts changed
    let base: ConnModel | undefined;
    for (let i = 0; !base && i < fixtures.length; i++) base = (await decode(fixtures[i])).connections.find((c) => c.trees.length > 0 && c.sessions.length > 1 && c.syns.length > 0 && c.negotiates[0]?.req && c.negotiates[0].resp);
    if (!base) throw new Error("no fixture connection with a tree and two legs");
    const clone = (): ConnModel => structuredClone(base);
    const hostile = ["\0\x01\x1f", "\x7f", '"quoted"', "back\\slash", "\ud800", "x\udfffy", "\ud83d\ude00", "é中", "\u2028", "</script>\x1b[31m"];
    const cases: [string, ConnModel][] = [["as captured", clone()]];
    for (const h of hostile) {
      const c = clone();
      // responseStatus gives an SMB1 DOS error's text as it is (model/summarize.ts)
      c.negotiates[0].resp!.dos = h; c.sessions[0].resp!.dos = `${h}/${h}`; c.trees[0].resp!.dos = h;
      cases.push([`hostile status ${JSON.stringify(h)}`, c]);
    }
    { const c = clone(); c.synAck = undefined; c.rst = undefined; c.icmp = undefined; cases.push(["SYNs unanswered (note)", c]); }
    { const c = clone(); c.synAck = undefined; c.rst = { ...c.syns[0], frame: c.syns[0].frame + 1, ts: c.syns[0].ts + 0.0004, fromClient: false }; cases.push(["refused with RST", c]); }
    { const c = clone(); c.synAck = undefined; c.rst = undefined; c.icmp = { frame: 99, ts: c.syns[0].ts + 0.25 } as ConnModel["icmp"]; cases.push(["refused with ICMP", c]); }
    { const c = clone(); c.syns = []; c.synAck = undefined; cases.push(["no TCP phase", c]); }
    { const c = clone(); c.syns = []; cases.push(["SYN-ACK without SYN (no offset)", c]); }
    for (const positive of [true, false, undefined]) {
      const c = clone();
      c.nbssRequest = { frame: 5, ts: c.firstTs + 0.001 } as ConnModel["nbssRequest"];
      if (positive !== undefined) c.nbssResponse = { frame: 6, ts: c.firstTs + 0.0125, positive } as ConnModel["nbssResponse"];
      cases.push([`NetBIOS session ${positive}`, c]);
    }
    { const c = clone(); c.negotiates[0] = { ...c.negotiates[0], resp: undefined }; cases.push(["NEGOTIATE unanswered", c]); }
    { const c = clone(); c.negotiates[0] = { ...c.negotiates[0], req: undefined }; cases.push(["NEGOTIATE response alone (no offset)", c]); }
    { const c = clone(); c.negotiates[0].resp!.smb1 = true; c.negotiates[0].resp!.dialect = null; cases.push(["no dialect (note)", c]); }
    { const c = clone(); c.sessions[0].req.frame = 0; c.trees[0].req.frame = 0; cases.push(["requests not seen (frame 0)", c]); }
    { const c = clone(); c.sessions[1].resp = undefined; c.trees[0].resp = undefined; cases.push(["unanswered leg and tree", c]); }
    // times: a response before its request, far past the first frame (past 2^31 thousandths, and
    // past number()'s 3-place range), not a number
    for (const [what, d] of [["negative", -0.0125], ["an hour", 3600.0005], ["a month", 2.7e6 + 0.1234], ["30 years", 9.5e8 + 0.5], ["NaN", NaN], ["tiny", 4e-7], ["half a thousandth", 0.0000005]] as const) {
      const c = clone();
      c.sessions[0].resp!.ts = c.sessions[0].req.ts + d;
      c.trees[0].req.ts = c.firstTs + d;
      c.negotiates[0].req!.ts = c.firstTs - d;
      cases.push([`time ${what}`, c]);
    }
    const enc = new JsonBytes(16);
    for (const [what, c] of cases) expect(written(c, enc), what).toBe(objectForm(c));
    // (the hostile texts are in it, escaped as JSON.stringify escapes them)
    expect(written(cases[1][1])).toContain(JSON.stringify(hostile[0]));
  });

  it("the records the fold puts to a sink that writes phases from the model are the Report's without a sink", async () => {
    let checked = 0, modelled = 0;
    for (const f of fixtures) {
      const r = await sinkAgrees(f);
      checked += r.withPhases; modelled += r.modelled;
    }
    expect(checked).toBeGreaterThan(100);
    // (the folded healthy ones and the ones kept to the end, their phases from the model)
    expect(modelled).toBeGreaterThan(20);
  });

  it("so are they on a capture of many connections, healthy and failing, folded with their diagnosis (bench generator)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-phases-"));
    try {
      const file = join(dir, "dense.pcap");
      execFileSync(process.execPath, [join(__dirname, "../bench/gen.mjs"), "dense", file, "--bytes", "40000000"], { stdio: "ignore" });
      const r = await sinkAgrees(file);
      expect(r.diagnosed).toBeGreaterThan(100);
      expect(r.modelled).toBeGreaterThan(1000);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });

  it("a folded row's client port is the number after the endpoint's last colon, as Number() reads it", async () => {
    const old = (e: string) => Number(e.slice(e.lastIndexOf(":") + 1));
    const ends = ["10.0.0.1:49152", "10.0.0.1:0", "[fe80::1]:445", "fe80::1:139", "h:00445", "h:65535", "h:123456", "h:", "h", "", "h:4a", "h: 1", "h:-1", "h:+1", "h:1e3"];
    for (const f of fixtures.slice(0, 40)) for (const c of (await decode(f)).connections) ends.push(c.client);
    for (const e of ends) expect(portOf(e), e).toBe(old(e));
  });
});

/**
 * The records of `file` with every fold on, put to a sink that writes phases from the model and
 * encodes each record as the spool does, are the Report's records without a sink (by id and first
 * frame), and JSON.stringify of each is the same text: how many had phases, had them from the
 * model, and were folded with their diagnosis.
 */
async function sinkAgrees(file: string): Promise<{ withPhases: number; modelled: number; diagnosed: number }> {
  const plain = buildReport(await decode(file, null, true));
  const want = new Map<string, string>(plain.connections.map((c) => [c.id + "@" + c.firstFrame, JSON.stringify(c)]));
  let withPhases = 0, modelled = 0, puts = 0;
  const enc = new JsonBytes(16);
  const sink: ConnectionSink = {
    phasesFromModel: true,
    put: (_o: number, r: Connection) => {
      if ((r.phases as unknown) instanceof ModelPhases) modelled++;
      enc.at = 0;
      expect(enc.value(r)).toBe(true);
      const bytes = enc.buf.toString("utf8", 0, enc.at);
      expect(JSON.stringify(r)).toBe(bytes);
      expect(bytes, r.id).toBe(want.get(r.id + "@" + r.firstFrame));
      if (bytes.includes('"phases":[{')) withPhases++;
      puts++;
    },
  };
  const counts = { diagnosed: 0 };
  buildReport(await decode(file, sink, true, counts), sink);
  expect(puts).toBe(plain.connections.length);
  return { withPhases, modelled, diagnosed: counts.diagnosed };
}
