// A capture of many SMB connections at once (bench/gen.mjs replicating real fixtures, each replica
// with addresses of its own, 120 of them interleaved: with two connections in some seeds, well
// within the 65,536 SMB flows the decoder reassembles at once; tests/reasm-capacity.test.ts goes past the old limit of 256): every connection must get the verdict and
// the findings its fixture gets alone. The rules that look at other connections (the same server
// for TREE_CONNECTION_LIMIT, the same client and server for PORT_139_FALLBACK, error findings
// already given for CONNECTION_ABANDONED and AUTH_NOT_ATTEMPTED) use lookups built once
// (diagnose/context.ts); a lookup keyed wrongly would count the other replicas' connections.
import { describe, it, expect } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
// @ts-ignore plain JS module shared with bench/run.mjs
import { loadSeeds, generate } from "../bench/gen.mjs";
import { reportOf } from "./support/report";
import type { Connection, Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
// seeds whose connections end (FIN or RST) well before the capture does: their verdict does not
// depend on where in the capture a replica lands
const SEEDS: Record<string, number> = {
  "smb311-ok.pcap": 6, "smb1-nt1-ok.pcap": 1, "share-max-connections.pcap": 2, "tcp-rejected.pcap": 1,
  "tree-bad-share.pcap": 1, "wrong-password.pcap": 1, "krb-required-ip.pcap": 1, "signing-required-guest.pcap": 1,
};
const key = (c: Connection) => `${c.outcome} ${c.failedPhase} ${c.status} [${c.findings.join(",")}]`;

function tally(r: Report, times = 1, into = new Map<string, number>()): Map<string, number> {
  for (const c of r.connections) into.set(key(c), (into.get(key(c)) ?? 0) + times);
  return into;
}

describe("many connections at once", () => {
  it("every replica's connections get their fixture's verdict and findings; the connection-limit counts stay per server", async () => {
    const seeds = loadSeeds().short.filter((s: { name: string }) => s.name in SEEDS);
    expect(seeds.map((s: { name: string }) => s.name).sort()).toEqual(Object.keys(SEEDS).sort());
    const dir = mkdtempSync(join(tmpdir(), "smbscope-many-"));
    try {
      const file = join(dir, "storm.pcap");
      const meta = generate(file, { mix: seeds.map((s: { name: string }) => ({ seed: s, weight: SEEDS[s.name] })), replicas: 700, lanes: 120, seed: 3 });
      const r = await reportOf(file);
      expect(r.capture.packets).toBe(meta.packets);
      expect(r.capture.warnings).toEqual([]);
      const want = new Map<string, number>();
      for (const [name, n] of Object.entries(meta.perSeed as Record<string, number>)) tally(await reportOf(join(FIX, name)), n, want);
      expect(Object.fromEntries([...tally(r)].sort())).toEqual(Object.fromEntries([...want].sort()));
      // a refused tree connect counts the other connections to its own server open at that frame
      // (as a scan of every connection finds them), never the other replicas' open then
      const limited = r.findings.filter((f) => f.id === "TREE_CONNECTION_LIMIT" && f.connection && f.explanation);
      expect(limited.length).toBeGreaterThan(5);
      const host = (e: string) => e.slice(0, e.lastIndexOf(":"));
      for (const f of limited) {
        const c = r.connections.find((x) => x.id === f.connection)!;
        const at = f.frames[f.frames.length - 1];
        const open = r.connections.filter((o) => o !== c && host(o.server) === host(c.server) && o.firstFrame <= at && o.lastFrame >= at).length;
        const busy = r.connections.filter((o) => o !== c && o.firstFrame <= at && o.lastFrame >= at).length;
        expect(busy).toBeGreaterThan(50); // other replicas' connections were open then
        expect(f.explanation).toContain(open === 0 ? `shows no other connection to ${host(c.server)} open` : `shows ${open} other connection`);
      }
    } finally { rmSync(dir, { recursive: true, force: true }); }
  });
});
