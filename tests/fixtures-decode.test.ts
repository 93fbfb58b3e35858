// Our own real captures (fixtures/, made by scripts/make-fixtures.sh): the decoder's events agree
// with the tshark dumps taken when each capture was made.
import { describe, it, expect } from "vitest";
import { readdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { decodeFile } from "./support/decode";
import { readTsv, capinfosPackets } from "./support/tshark";
import { compareWithTshark } from "./support/compare";
import * as C from "../assembly/events";

const DIR = join(__dirname, "../fixtures");
const captures = readdirSync(DIR).filter((f) => /\.pcap(ng)?$/.test(f)).sort();

// tcp.flags.str is 12 characters: 3 reserved, then N C E U A P R S F
const FLAG_BITS = [0x100, 0x80, 0x40, 0x20, 0x10, 0x08, 0x04, 0x02, 0x01];
function flagsFromStr(s: string): number {
  let v = 0;
  [...s].slice(3).forEach((ch, i) => { if (ch !== "·" && ch !== ".") v |= FLAG_BITS[i]; });
  return v;
}

describe("fixtures agree with tshark", () => {
  it("has fixtures", () => expect(captures.length).toBeGreaterThan(5));
  for (const cap of captures) {
    it(cap, async () => {
      const path = join(DIR, cap);
      const base = path.replace(/\.pcap(ng)?$/, "");
      const tsv = existsSync(`${path}.tshark.tsv`) ? path : base; // x.pcapng shares x's dumps only if made so
      const events = await decodeFile(path);
      expect(events.filter((e) => e.kind === C.EV_ERROR).map((e) => e.f)).toEqual([]);
      const summary = events.find((e) => e.kind === C.EV_SUMMARY)!;
      const capinfos = `${tsv}.capinfos.txt`;
      if (existsSync(capinfos)) expect(Number(summary.f.packets)).toBe(capinfosPackets(capinfos));
      const rows = readTsv(`${tsv}.tshark.tsv`);
      expect(compareWithTshark(events, rows).slice(0, 10)).toEqual([]);
      if (existsSync(`${tsv}.tcp.tsv`)) {
        const tcp = readTsv(`${tsv}.tcp.tsv`);
        const bad: unknown[] = [];
        for (const e of events.filter((x) => x.kind === C.EV_TCP)) {
          const row = tcp.get(e.frame);
          if (!row) { bad.push({ frame: e.frame, missing: true }); continue; }
          const want = { stream: Number(row["tcp.stream"][0]), flags: flagsFromStr(row["tcp.flags.str"][0]) };
          const got = { stream: e.stream, flags: e.f.tcpFlags };
          if (JSON.stringify(want) !== JSON.stringify(got)) bad.push({ frame: e.frame, want, got });
        }
        expect(bad.slice(0, 5)).toEqual([]);
      }
    });
  }
});
