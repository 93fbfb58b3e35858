// The analysis decodes only the event fields the model reads (MODEL_FIELDS, a filter in
// decodeRecords). Every fixture and corpus capture must give the same Report with the filter as
// with every field decoded: a field the builder starts reading without listing it fails here.
import { describe, it, expect } from "vitest";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileSource } from "../src/cli/nodeSource";
import { nodeDecoder } from "../src/cli/wasmNode";
import { decodeSource } from "../src/core/source";
import { ModelBuilder, MODEL_FIELDS } from "../src/core/model/builder";
import { buildReport } from "../src/core/reportBuilder";
import { fieldFilter, type RawEvent } from "../src/core/decoder/records";
import { reportOf } from "./support/report";

const FIXTURES = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const corpus = existsSync(join(CORPUS, "index.json"))
  ? (JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) as { file: string }[]).map((e) => join(CORPUS, e.file))
  : [];
if (!corpus.length) console.log(`model-fields: corpus part skipped: ${CORPUS} is absent`);
const captures = [
  ...readdirSync(FIXTURES).filter((f) => /\.(pcap|pcapng)$/.test(f)).map((f) => join(FIXTURES, f)),
  ...corpus,
];

/** The Report built from events carrying every field (no filter). */
async function unfilteredReport(path: string) {
  const d = await nodeDecoder();
  d.setSetupOnly(true);
  const src = await fileSource(path);
  const model = new ModelBuilder(src.name, src.size);
  try {
    await decodeSource(d, src, (batch) => { for (const ev of batch) model.add(ev); });
  } finally { await src.close(); }
  return buildReport(model.finish());
}

describe("the field filter changes no Report", () => {
  for (const path of captures) {
    it(path.split("/").pop()!, async () => {
      expect(await reportOf(path)).toEqual(await unfilteredReport(path));
    });
  }
});

it("the filter drops the fields the model does not read, and keeps warnings whole", async () => {
  const d = await nodeDecoder();
  d.setSetupOnly(true);
  d.setFieldFilter(fieldFilter(MODEL_FIELDS));
  const src = await fileSource(join(FIXTURES, "smb311-ok.pcap"));
  const evs: RawEvent[] = [];
  try { await decodeSource(d, src, (b) => evs.push(...b)); } finally { await src.close(); }
  const smb = evs.filter((e) => e.kindName === "smb2");
  expect(smb.length).toBeGreaterThan(4);
  for (const e of smb) {
    expect(e.f.credits).toBeUndefined(); // decoded by the wasm, not read by the model
    for (const k of Object.keys(e.f)) expect(MODEL_FIELDS as readonly string[]).toContain(k);
  }
  expect(smb.some((e) => e.f.cmd !== undefined && e.f.status !== undefined)).toBe(true);
  const summary = evs.find((e) => e.kindName === "summary")!;
  expect(summary.f.packets).toBeDefined(); // summary records are never filtered
  expect(() => fieldFilter(["noSuchField"])).toThrow(/noSuchField/);
});
