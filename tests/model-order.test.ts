// The model's connections stay in ConnModel.order (the order their flows started) while the
// capture is read, as folds take connections out of the list and rows of unanswered SYNs come back
// as models (builder.ts unfolded finds a folded connection by its order, revived puts one back in
// its place). On replicas of real captures (bench/gen.mjs): healthy connections folding as they
// close among unanswered SYNs made rows and models again, many at a time.
import { it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { ModelBuilder, MODEL_FIELDS } from "../src/core/model/builder";
import { fieldFilter, type EventRecord } from "../src/core/decoder/records";
import { LADDERS_PROBLEM } from "../src/core/connectionRecord";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

const FIX = join(__dirname, "../fixtures");
let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-order-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });

it("the model's connections stay in flow order through folds and rows made models again", async () => {
  const file = join(dir, "healthy.pcap"), n = LADDERS_PROBLEM + 1000;
  generate(file, { mix: [{ seed: loadSeed(join(FIX, "tcp-no-answer.pcap")), weight: 1 }, { seed: loadSeed(join(FIX, "smb311-ok.pcap")), weight: 2 }], replicas: n, lanes: 1500, hosts: 97 });
  const bytes = new Uint8Array(readFileSync(file));
  const d = await nodeDecoder();
  const b = new ModelBuilder("healthy.pcap", bytes.length);
  b.foldAtClose(null, true);
  let records = 0, checks = 0, longest = 0;
  const inOrder = () => {
    const l = b.model.connections;
    longest = Math.max(longest, l.length);
    for (let i = 1; i < l.length; i++) if (!(l[i - 1].order < l[i].order)) return false;
    return true;
  };
  const events = {
    record: (ev: EventRecord) => {
      b.record(ev);
      if (++records % 23 === 0) { checks++; expect(inOrder()).toBe(true); }
    },
  };
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  try { d.reset(); d.push(bytes, events); d.finish(events); } finally { d.setSetupOnly(false); d.setFieldFilter(null); }
  expect(inOrder()).toBe(true);
  const m = b.finish();
  // it happened: rows made models again, connections folded, many open at once
  expect(m.folded!.pending!.revivals).toBeGreaterThan(100);
  expect(m.folded!.rows.length).toBeGreaterThan(n / 2);
  expect(longest).toBeGreaterThan(500);
  expect(checks).toBeGreaterThan(1000);
}, 240_000);
