// Capture loss (fixtures/smb-loss.pcap: a real capture with two segments removed, ACKed by the
// peers but never captured). Wireshark hands the segment after a hole to SMB in its own frame:
// the gap and the message that starts there belong to that frame, not to the later one that
// tells the reassembler the bytes are gone. A request whose answer may be in such a hole is not
// "never answered".
import { describe, it, expect } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeFile } from "./support/decode";
import { reportOf } from "./support/report";
import * as C from "../assembly/events";

const CAP = join(__dirname, "../fixtures/smb-loss.pcap");
const expected = JSON.parse(readFileSync(join(__dirname, "../fixtures/smb-loss.expected.json"), "utf8")) as { lostSegmentFrames: number[] };

describe("after capture loss", () => {
  it("puts each gap on the frame Wireshark marks 'previous segment not captured'", async () => {
    const events = await decodeFile(CAP);
    expect(events.filter((e) => e.kind === C.EV_GAP).map((e) => e.frame)).toEqual(expected.lostSegmentFrames);
  });

  it("calls the connection incomplete, not unanswered, when the missing answer may be in the hole", async () => {
    const r = await reportOf(CAP);
    const c = r.connections[0];
    expect({ outcome: c.outcome, findings: c.findings }).toEqual({ outcome: "incomplete", findings: ["CAPTURE_INCOMPLETE"] });
  });
});
