// A TCP event's ladder label names its flags (eventsView.ts tcpFlagsText, every combination made
// at once): SYN, FIN, RST, PSH, ACK, URG, ECE, CWR, NS in that order, bits past the nine ignored.
import { it, expect } from "vitest";
import { tcpFlagsText } from "../src/core/eventsView";

const BITS: [string, number][] = [["SYN", 0x02], ["FIN", 0x01], ["RST", 0x04], ["PSH", 0x08], ["ACK", 0x10], ["URG", 0x20], ["ECE", 0x40], ["CWR", 0x80], ["NS", 0x100]];

it("names the flags of every combination of the nine bits in one order, the bits past them ignored", () => {
  expect(tcpFlagsText(0x02)).toBe("SYN");
  expect(tcpFlagsText(0x12)).toBe("SYN,ACK");
  expect(tcpFlagsText(0x11)).toBe("FIN,ACK");
  expect(tcpFlagsText(0x14)).toBe("RST,ACK");
  expect(tcpFlagsText(0x18)).toBe("PSH,ACK");
  expect(tcpFlagsText(0)).toBe("");
  expect(tcpFlagsText(0x1ff)).toBe("SYN,FIN,RST,PSH,ACK,URG,ECE,CWR,NS");
  for (let f = 0; f < 0x800; f++) {
    expect(tcpFlagsText(f), `flags 0x${f.toString(16)}`).toBe(BITS.filter(([, b]) => (f & b) !== 0).map(([n]) => n).join(","));
  }
});
