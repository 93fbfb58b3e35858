// Third-party captures in ../shared/corpus: every one decodes, its packet count matches
// capinfos, and its SMB events agree with its tshark dump.
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeFile } from "./support/decode";
import { readTsv, capinfosPackets } from "./support/tshark";
import { compareWithTshark } from "./support/compare";
import * as C from "../assembly/events";

const CORPUS = join(__dirname, "../../shared/corpus");
const present = existsSync(join(CORPUS, "index.json"));
if (!present) console.log(`corpus tests skipped: ${CORPUS} is absent`);

// Captures whose SMB bytes are fuzzer output or filler: tshark itself marks them malformed, and
// framing garbage need not agree byte for byte. They must still decode without error, with the
// right packet count.
const MALFORMED_BY_DESIGN: Record<string, string> = {
  "zeek/smb/smb1-OSS-fuzz-54883.pcap": "fuzzer-made SMB1 with out-of-bounds AndX lengths",
  "zeek/netbios/netbios-split-session-msg.pcap": "NBSS carrying filler bytes, not SMB",
};

interface Entry { file: string; packets: string }
const entries: Entry[] = present ? JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) : [];

describe.skipIf(!present)("third-party corpus", () => {
  for (const entry of entries) {
    it(`${entry.file}`, async () => {
      const path = join(CORPUS, entry.file);
      const base = path.replace(/\.pcapn?g?$/, "");
      const events = await decodeFile(path);
      const summary = events.find((e) => e.kind === C.EV_SUMMARY)!;
      const errors = events.filter((e) => e.kind === C.EV_ERROR);
      expect(errors.map((e) => e.f)).toEqual([]);
      const expected = capinfosPackets(`${base}.capinfos.txt`);
      if (expected !== null) expect(Number(summary.f.packets)).toBe(expected);
      if (MALFORMED_BY_DESIGN[entry.file]) {
        console.log(`${entry.file}: per-frame tshark comparison skipped (${MALFORMED_BY_DESIGN[entry.file]})`);
        return;
      }
      const rows = readTsv(`${base}.tshark.tsv`);
      const mismatches = compareWithTshark(events, rows);
      expect(mismatches.slice(0, 10)).toEqual([]);
    });
  }
});
