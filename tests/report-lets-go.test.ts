// buildReport lets the model's parts go once the Report's records of them are made (issue 15:
// dense's peak RSS came while the servers and the verdict were made, with the Kerberos messages'
// store, the QUIC flows and every kept connection's whole record still held): the Report keeps its
// Kerberos and QUIC records, the model none of what they were made of.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { foldRun } from "./support/foldRun";

const FIX = join(__dirname, "../fixtures");

describe("buildReport lets the model's parts go", () => {
  it("the Kerberos messages and their store, once their records are made", async () => {
    for (const sink of [false, true]) {
      const { report, model } = await foldRun(join(FIX, "krb-ap-skew.pcap"), true, sink);
      expect(report.kerberos.length).toBeGreaterThan(0);
      expect(model.kerberos).toHaveLength(0);
      expect(model.krbStore).toBeUndefined();
    }
  });

  it("the QUIC flows, once the Report's QUIC connections are made of them", async () => {
    const { report, model } = await foldRun(join(FIX, "quic-smb-no-answer.pcap"), true, true);
    expect(report.quic?.length).toBeGreaterThan(0);
    expect(model.quic).toHaveLength(0);
  });
});
