// buildReport holds each connection's ladder once through the diagnosis: the summary's, in the
// Report's steps (offsets, the Kerberos messages added), not the model's beside it (reportBuilder.ts
// diagnosis: dense's ~1,200 kept ladders were 3.3 MB held twice while the Report was made, its
// peak). The records' ladders are those of the model, steps for steps, and the Kerberos ones.
import { describe, it, expect } from "vitest";
import { foldingModel } from "./support/foldRun";
import { buildReport } from "../src/core/reportBuilder";
import type { ConnModel } from "../src/core/model/types";

describe("the ladders while the Report is made", () => {
  it.each(["krb-smb-ok.pcap", "kdc-unreachable.pcap", "logon-failure-rate-limited.pcap"])("%s: the models kept to the end let theirs go once summarized, the records keep them", async (name) => {
    const m = await foldingModel(`fixtures/${name}`, null, () => {}, true);
    const kept: [ConnModel, { frame: number; label: string }[]][] = m.connections.map((c) => [c, c.ladder.map((l) => ({ frame: l.frame, label: l.label }))]);
    expect(kept.some(([, l]) => l.length > 0)).toBe(true);
    const r = buildReport(m);
    for (const [c, steps] of kept) {
      expect(c.ladder.length).toBe(0);
      const rec = r.connections.find((x) => x.stream === c.stream)!;
      if (!steps.length || !rec.ladder) continue;
      // the model's steps, in order, among the record's (which add the Kerberos messages)
      const mine = rec.ladder.filter((l) => l.kind !== "krb").map((l) => ({ frame: l.frame, label: l.label }));
      expect(mine).toEqual(steps);
    }
    expect(r.connections.some((x) => x.ladder?.some((l) => l.kind === "krb")) || name !== "krb-smb-ok.pcap").toBe(true);
  });
});
