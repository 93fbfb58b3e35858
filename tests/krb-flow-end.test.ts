// The Kerberos TCP flows the model builder follows (src/core/model/builder.ts krbTcp): a flow's
// addresses, which its Kerberos messages read, are let go once the capture is past the packet
// that closed it (RST, or FIN both ways), and the Report is the one made when every flow stays to
// the end, byte for byte. Captures of replicas of the real Kerberos fixtures (over TCP and UDP,
// answered, refused, unanswered) among NTLM ones, connections at once (lanes).
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { krbFlowEnd, type ModelBuilder } from "../src/core/model/builder";
import { foldingModel, switchRun } from "./support/foldRun";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-krbflow-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); krbFlowEnd.on = true; });

const SEEDS = [
  "krb-smb-ok.pcap", "krb-spn-unknown.pcap", "krb-spn-unknown-ntlm-fallback.pcap", "kdc-unreachable.pcap",
  "krb-etype-rc4-only.pcap", "krb-ap-skew.pcap", "krb-required-ip.pcap", "enc-krb-smb311.pcap", "krb-preauth-failed.pcap",
  "smb311-ok.pcap", "wrong-password.pcap",
];

/** The Kerberos TCP flows the builder holds once the capture is decoded, with the flows' end on or off. */
async function held(file: string, on: boolean): Promise<number> {
  let n = -1;
  await foldingModel(file, null, (v) => { krbFlowEnd.on = v; }, on, (b: ModelBuilder) => { n = b.kerberosFlows; });
  return n;
}

describe("Kerberos TCP flows", () => {
  it("are let go past their close, to the same Report", async () => {
    const file = join(dir, "krb.pcap");
    const seed = (f: string) => loadSeed(join(__dirname, "../fixtures", f));
    generate(file, { mix: SEEDS.map((f) => ({ seed: seed(f), weight: 1 })), replicas: 1500, lanes: 16, hosts: 200 });
    const off = await switchRun(file, krbFlowEnd, false);
    const on = await switchRun(file, krbFlowEnd, true);
    expect(on.json === off.json).toBe(true);
    if (on.json !== off.json) expect(on.report).toEqual(off.report); // (the difference, if any)
    // it happened: many Kerberos messages over TCP, paired with connections; few flows held at the end
    const tcp = on.report.kerberos.filter((k) => k.transport === "tcp");
    expect(tcp.length).toBeGreaterThan(500);
    expect(tcp.filter((k) => k.connection).length).toBeGreaterThan(100);
    const all = await held(file, false), few = await held(file, true);
    expect(all).toBeGreaterThan(300);
    expect(few).toBeLessThan(all / 10);
  }, 240_000);
});
