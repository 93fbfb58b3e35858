// Connections folded with their Kerberos pairing (src/core/model/krbFinality.ts paired, fold.ts
// foldPaired): a closed connection that exchanges pair with, all of them answered with a ticket
// or a pre-authentication error, folds once the pairing of those that give it a finding is told,
// and the end pairs the exchanges with its PairedFold (kerberos.ts pairKerberos): the Report is
// the one made when every such connection is kept to the end, byte for byte. Replicas of the real
// Kerberos fixtures among NTLM ones: each replica its own hosts (as the bench's dense capture), or
// hosts shared so that a client's exchanges have several candidates, some open when they come.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pairedFolds } from "../src/core/model/krbFinality";
import { switchRun, type SwitchRun as Run } from "./support/foldRun";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../bench/gen.mjs";

let dir = "";
beforeAll(() => { dir = mkdtempSync(join(tmpdir(), "smbscope-krbpair-")); });
afterAll(() => { if (dir) rmSync(dir, { recursive: true, force: true }); pairedFolds.on = true; });

const KERBEROS = [
  "krb-smb-ok.pcap", "krb-spn-unknown.pcap", "krb-spn-unknown-ntlm-fallback.pcap", "kdc-unreachable.pcap",
  "kdc-unreachable-ntlm-fallback.pcap", "krb-etype-rc4-only.pcap", "krb-ap-skew.pcap", "krb-required-ip.pcap",
  "enc-krb-smb311.pcap", "krb-preauth-failed.pcap",
];
const NTLM = ["smb311-ok.pcap", "wrong-password.pcap", "tree-bad-share.pcap", "smb1-nt1-ok.pcap", "nbss139.pcap"];

const run = (file: string, on: boolean, sink = false) => switchRun(file, pairedFolds, on, sink);

function capture(file: string, replicas: number, hosts: number, lanes: number, { still = false, tickUs = 20, krb = 3 } = {}): void {
  const seed = (f: string) => loadSeed(join(__dirname, "../fixtures", f));
  generate(file, { mix: [...KERBEROS.map((f) => ({ seed: seed(f), weight: f === "krb-smb-ok.pcap" ? krb : 1 })), ...NTLM.map((f) => ({ seed: seed(f), weight: 2 }))], replicas, lanes, hosts, still, tickUs });
}

/** The Reports with the paired fold and without are the same (JSON, and through a sink); returns both runs. */
async function same(file: string): Promise<{ off: Run; on: Run }> {
  const off = await run(file, false);
  const on = await run(file, true);
  expect(on.json === off.json).toBe(true);
  if (on.json !== off.json) expect(on.report).toEqual(off.report); // (the difference, if any)
  const sunk = await run(file, true, true);
  expect(JSON.stringify(sunk.report.connections)).toBe(JSON.stringify(off.report.connections));
  expect(sunk.report.findings).toEqual(off.report.findings);
  expect(sunk.report.kerberos).toEqual(off.report.kerberos);
  expect(sunk.report.verdict).toBe(off.report.verdict);
  return { off, on };
}

/** The connections the Report's Kerberos records name, and how many of them have KERBEROS_PREAUTH_NORMAL. */
function paired(r: Run): { conns: number; preauth: number } {
  const ids = new Set(r.report.kerberos.map((k) => k.connection).filter((x): x is string => !!x));
  const preauth = r.report.connections.filter((c) => ids.has(c.id) && c.findings.includes("KERBEROS_PREAUTH_NORMAL")).length;
  return { conns: ids.size, preauth };
}

describe("Kerberos-paired connections folded", () => {
  it("folds the connections each client's exchanges pair with, to the same Report", async () => {
    // each replica its own hosts (gen.mjs hosts 0), as on the bench's dense capture: past the
    // Report's ladder budgets, 64 replicas at once
    const file = join(dir, "own.pcap");
    capture(file, 8000, 0, 64);
    const { off, on } = await same(file);
    const p = paired(off);
    expect(p.preauth).toBeGreaterThan(500);
    // most of those set up fine with the pre-authentication finding alone fold (the first ones
    // stay: the ladder budget is theirs)
    expect(on.kept).toBeLessThan(off.kept - 400);
  }, 240_000);

  it("tells the pairing among shared hosts' connections, to the same Report", async () => {
    // a client's exchanges have several candidates, some open when the first closes
    const file = join(dir, "shared.pcap");
    capture(file, 4000, 300, 32, { krb: 6 });
    const { off, on } = await same(file);
    expect(paired(off).conns).toBeGreaterThan(500);
    expect(on.kept).toBeLessThan(off.kept);
  }, 240_000);

  it("tells the pairing of a ticket among connections of a host at once, to the same Report", async () => {
    // a ticket for the SMB connection beside Kerberos required to an address (no KDC asked, no
    // SESSION_SETUP: failed, kept to the end, so the ladder budget is spent early), three replicas
    // of a host at a time: a connection of the host open or to come may be closer to an exchange
    const file = join(dir, "tickets.pcap");
    const seed = (f: string) => loadSeed(join(__dirname, "../fixtures", f));
    generate(file, { mix: [{ seed: seed("krb-smb-ok.pcap"), weight: 2 }, { seed: seed("krb-required-ip.pcap"), weight: 3 }], replicas: 5000, lanes: 1200, hosts: 400 });
    const { off, on } = await same(file);
    expect(on.kept).toBeLessThan(off.kept - 100);
  }, 240_000);

  it("tells the pairing among connections of a host open at once, to the same Report", async () => {
    // four replicas of a host at a time (lanes four times the hosts): an exchange's candidates
    // are open when it comes, and a connection to come may be closer
    const file = join(dir, "together.pcap");
    capture(file, 8000, 24, 96, { krb: 6 });
    const { off, on } = await same(file);
    expect(paired(off).conns).toBeGreaterThan(500);
    expect(on.kept).toBeLessThan(off.kept);
  }, 240_000);
});
