// The Kerberos pairing's finality (src/core/model/krbFinality.ts): a closed connection of a client
// host that spoke Kerberos folds (model/fold.ts, model/foldDiagnosed.ts) once the pairing is shown
// not to pair it, and the Report is the one made when every such connection is kept to the end,
// byte for byte. Captures of replicas of the real Kerberos fixtures (a ticket for the SMB
// connection, SPN unknown with and without the NTLM fallback, the KDC unreachable, RC4 only, clock
// skew, Kerberos required to an address, an encrypted Kerberos session, pre-authentication failed)
// among NTLM ones (set up fine, failing, SMB1, NetBIOS), their hosts shared (gen.mjs `hosts`:
// replicas that many apart have the same addresses), so that most NTLM connections have a
// Kerberos exchange of their client within the pairing's window; connections at once (lanes),
// and a capture whose clock stands still.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { krbFinality, type KrbFinality } from "../src/core/model/krbFinality";
import { KRB_PAIR_WINDOW_MS } from "../src/core/model/kerberos";
import type { ModelBuilder } from "../src/core/model/builder";
import { foldingModel, switchRun, type SwitchRun as Run } from "./support/foldRun";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-krbfin-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); krbFinality.on = true; });

const KERBEROS = [
  "krb-smb-ok.pcap", "krb-spn-unknown.pcap", "krb-spn-unknown-ntlm-fallback.pcap", "kdc-unreachable.pcap",
  "kdc-unreachable-ntlm-fallback.pcap", "krb-etype-rc4-only.pcap", "krb-ap-skew.pcap", "krb-required-ip.pcap",
  "enc-krb-smb311.pcap", "krb-preauth-failed.pcap",
];
const NTLM = ["smb311-ok.pcap", "wrong-password.pcap", "tree-bad-share.pcap", "smb1-nt1-ok.pcap", "nbss139.pcap", "ntlmv1-accepted.pcap", "guest-ok.pcap"];

/** The Report of `file` (folding; with `sink` the records go there), with the Kerberos finality fold on or off; `kept`: the models kept to the end. */
const run = (file: string, on: boolean, sink = false) => switchRun(file, krbFinality, on, sink);

function capture(file: string, replicas: number, hosts: number, lanes: number, { still = false, tickUs = 20 } = {}): void {
  const seed = (f: string) => loadSeed(join(__dirname, "../fixtures", f));
  generate(file, { mix: [...KERBEROS.map((f) => ({ seed: seed(f), weight: 1 })), ...NTLM.map((f) => ({ seed: seed(f), weight: 2 }))], replicas, lanes, hosts, still, tickUs });
}

/** The Reports with the finality and without are the same; returns both runs. */
async function same(file: string): Promise<{ off: Run; on: Run }> {
  const off = await run(file, false);
  const on = await run(file, true);
  expect(on.json === off.json).toBe(true);
  if (on.json !== off.json) expect(on.report).toEqual(off.report); // (the difference, if any)
  const sunk = await run(file, true, true);
  expect(JSON.stringify(sunk.report.connections)).toBe(JSON.stringify(off.report.connections));
  expect(sunk.report.findings).toEqual(off.report.findings);
  expect(sunk.report.verdict).toBe(off.report.verdict);
  return { off, on };
}

describe("Kerberos pairing finality", () => {
  it("folds connections of Kerberos clients the pairing does not reach, to the same Report", async () => {
    // past the Report's ladder budgets (the first connections kept to the end spend them: the
    // fold takes none the Report would give a ladder), 32 connections at once
    const file = join(dir, "shared.pcap");
    capture(file, 8000, 400, 32);
    const { off, on } = await same(file);
    // it happened: most connections have a client that spoke Kerberos within the pairing's
    // window (kept to the end without the finality), many exchanges paired, and models let go
    expect(off.kept).toBeGreaterThan(off.report.connections.length * 0.9);
    expect(off.report.kerberos.filter((k) => k.connection).length).toBeGreaterThan(1000);
    expect(on.kept).toBeLessThan(off.kept - 1500);
  }, 240_000);

  it("lets go of the exchanges the capture's time is past, to the same Report", async () => {
    // ~25 ms between packets: the capture spans over an hour, thirty times the pairing's window,
    // and the exchanges are let go as it goes (the connections in reach of one let go are kept)
    const file = join(dir, "long.pcap");
    capture(file, 6000, 100, 8, { tickUs: 50_000 });
    const { off, on } = await same(file);
    const span = Date.parse(off.report.capture.end!) - Date.parse(off.report.capture.start!);
    expect(span).toBeGreaterThan(30 * 120_000);
    expect(off.report.kerberos.filter((k) => k.connection).length).toBeGreaterThan(1000);
    expect(on.kept).toBeLessThan(off.kept - 250);
  }, 240_000);

  it("holds the exchanges of the pairing's window, not every one of the capture's, to the same Report", async () => {
    // ~25 ms between packets, over an hour: hosts that speak Kerberos a few times each (a host's
    // replicas 300 apart, ~2 minutes and more), whose exchanges all go before the host speaks again
    const file = join(dir, "few.pcap");
    capture(file, 3000, 300, 8, { tickUs: 50_000 });
    await same(file);
    let b: ModelBuilder | undefined;
    const m = await foldingModel(file, null, () => {}, true, (x) => { b = x; });
    const krb = (b as unknown as { folder: { krb: KrbFinality } }).folder.krb;
    // the messages of the last two windows bound what it still holds; the capture has ten times that
    const store = m.krbStore!, end = store.tsOf(store.length - 1);
    let recent = 0;
    for (let i = 0; i < store.length; i++) if (store.tsOf(i) >= end - 2 * KRB_PAIR_WINDOW_MS) recent++;
    expect(store.length).toBeGreaterThan(10 * recent);
    expect(krb.held).toBeLessThanOrEqual(recent);
  }, 240_000);

  it("tells nothing where the clock stands still, to the same Report", async () => {
    const file = join(dir, "still.pcap");
    capture(file, 600, 40, 16, { still: true });
    const { off, on } = await same(file);
    expect(off.report.kerberos.filter((k) => k.connection).length).toBeGreaterThan(100);
    expect(on.kept).toBe(off.kept);
  }, 240_000);
});
