// The same finding id can be of two severities: GUEST_SESSION is an error where the client
// refused the guest logon the server gave it (signing-required-guest.pcap), a warning where it
// took it (guest-ok.pcap). Past FINDINGS_PER_ID findings the Report groups them, as Wireshark's
// Expert Info groups (severity → id → occurrences): one group per severity, each with its own
// count and only its own connections. The groups were once per id: the 21st finding of the id
// made the group (an error, say) and it listed the later findings of both severities, so the
// verdict counted guest logons that set up fine as failures. Real fixtures replicated by the
// bench's generator, through the library (with and without the fold of connections with
// findings, model/foldDiagnosed.ts) and through the CLI's --json (whose spool takes the records).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execFileSync } from "node:child_process";
import { FINDINGS_PER_ID } from "../src/core/diagnose/context";
import type { Connection, Report } from "../src/core/report";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";
import { foldsAgree } from "./support/foldRun";

const FIX = join(__dirname, "../fixtures");
const BIN = join(__dirname, "../bin/smbscope.mjs");
/** the tree refusals ahead, that spend the Report's budget of failed connections kept to the end (foldDiagnosed.ts (3)) so that the guest ones fold */
const LEAD = 1050;
let dir = "", file = "";

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "smbscope-groups-"));
  file = join(dir, "guests.pcap");
  // one connection at a time (close order is Report order): LEAD refusals, then the two guest
  // fixtures mixed (gen.mjs picks by the weights as they are at each pick, against their first total)
  let picks = 0;
  const seed = (n: string) => loadSeed(join(FIX, `${n}.pcap`));
  generate(file, {
    mix: [
      { seed: seed("tree-access-denied"), get weight() { return picks++ < LEAD ? 2 : 0; } },
      { seed: seed("guest-ok"), get weight() { return picks > LEAD ? 1 : 0; } },
      { seed: seed("signing-required-guest"), get weight() { return picks > LEAD ? 1 : 0; } },
    ],
    replicas: LEAD + 300, lanes: 1,
  });
});
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); });


/** One group per severity of GUEST_SESSION, each of its own connections only, and the verdict counts only the refused ones. */
function expectGrouped(r: Report, connections: readonly Connection[]): void {
  const guests = connections.filter((c) => c.findings.includes("GUEST_SESSION"));
  // the guest logons taken set up fine; the refused ones failed
  const took = new Set(guests.filter((c) => c.outcome === "ok").map((c) => c.id));
  const refused = new Set(guests.filter((c) => c.outcome !== "ok").map((c) => c.id));
  expect(took.size).toBeGreaterThan(FINDINGS_PER_ID + 50);
  expect(refused.size).toBeGreaterThan(FINDINGS_PER_ID + 50);
  for (const [severity, own] of [["warning", took], ["error", refused]] as const) {
    const of = r.findings.filter((f) => f.id === "GUEST_SESSION" && f.severity === severity);
    const groups = of.filter((f) => f.connections);
    expect(groups, severity).toHaveLength(1);
    const whole = of.filter((f) => !f.connections);
    expect(whole, severity).toHaveLength(FINDINGS_PER_ID);
    // the whole ones are its first of its own severity, with their texts (the diagnosis keeps the
    // texts of the first of each id and severity: context.ts add)
    for (const f of whole) {
      expect(own.has(f.connection!), severity).toBe(true);
      expect(f.title, severity).not.toBe("");
      expect(f.remediation.length, severity).toBeGreaterThan(0);
    }
    const g = groups[0];
    // its count, its connections (every one of its severity past the whole ones, none of the other)
    const rest = own.size - FINDINGS_PER_ID;
    expect(g.title, severity).toMatch(new RegExp(`^…and ${rest} more: \\S`));
    expect(g.remediation.length, severity).toBeGreaterThan(0);
    expect(g.explanation, severity).toContain(`The same finding (GUEST_SESSION as ${severity === "error" ? "an error" : "a warning"}) applies to ${rest} more connections`);
    expect(g.connections, severity).toHaveLength(rest);
    expect(new Set([...g.connections!, ...whole.map((f) => f.connection!)]), severity).toEqual(own);
  }
  // the verdict: the refused guest logons and the tree refusals failed, the guest logons taken did not
  const others = connections.filter((c) => !c.findings.includes("GUEST_SESSION"));
  expect(others.every((c) => c.outcome === "failed")).toBe(true);
  expect(others.length).toBeGreaterThan(1000);
  expect(r.headline!.failed).toBe(others.length + refused.size);
  expect(r.headline!.connections).toBe(connections.length);
}

describe("finding groups per severity and id", () => {
  it("one group per severity of an id, each with its count and its connections", async () => {
    // and the same with the fold of connections with findings, which happened on guests of both severities
    const { none, all } = await foldsAgree(file);
    expectGrouped(none.report, none.connections);
    const folded = none.connections.filter((c) => all.folded.has(c.id) && c.findings.includes("GUEST_SESSION"));
    expect(folded.filter((c) => c.outcome === "ok").length).toBeGreaterThan(50);
    expect(folded.filter((c) => c.outcome !== "ok").length).toBeGreaterThan(50);
  }, 240_000);

  it("the same through the CLI's --json, whose records come from its spool", () => {
    let out = "";
    try { out = execFileSync(process.execPath, [BIN, "--json", file], { maxBuffer: 1 << 30, encoding: "utf8" }); } catch (e) { out = (e as { stdout: string }).stdout; }
    const r = JSON.parse(out) as Report;
    expectGrouped(r, r.connections);
  }, 120_000);
});
