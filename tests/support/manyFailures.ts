// A capture with many failing connections of a few kinds, replicated from real fixtures by the
// bench's generator (each replica its own addresses and ports): more than FINDINGS_PER_ID of each
// finding, so that the Report folds them (reportBuilder.ts groupFindings), and GUEST_SESSION in
// two severities (refused: an error, signing-required-guest.pcap; taken: a warning, guest-ok.pcap).
import { join } from "node:path";
// @ts-expect-error: the bench's generator is plain JavaScript
import { loadSeed, generate } from "../../bench/gen.mjs";

const FIX = join(__dirname, "../../fixtures");

/** Writes it to `path`: `replicas` connections, half of them a bad share name, the others wrong passwords and the two guest logons. */
export function writeManyFailures(path: string, replicas = 1500): void {
  const seed = (n: string) => loadSeed(join(FIX, `${n}.pcap`));
  generate(path, {
    mix: [
      { seed: seed("tree-bad-share"), weight: 3 }, { seed: seed("wrong-password"), weight: 1 },
      { seed: seed("guest-ok"), weight: 1 }, { seed: seed("signing-required-guest"), weight: 1 },
    ],
    replicas, lanes: 8,
  });
}
