// Who is talking: the Windows build each side's NTLM VERSION structure names (MS-NLMP 2.2.2.10),
// per connection, checked against tshark's ntlmssp.version fields on real captures.
import { describe, it, expect } from "vitest";
import { execFile, spawnSync } from "node:child_process";
import { promisify } from "node:util";
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { osVersion } from "../src/core/names";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus/zeek");
const haveTshark = spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;

/** Per tcp.stream, the VERSION tshark reads in the client's messages (types 1, 3) and the server's CHALLENGE (2). */
async function tsharkVersions(file: string): Promise<Map<number, { client?: string; server?: string }>> {
  const { stdout: out } = await promisify(execFile)("tshark", ["-r", file, "-Y", "ntlmssp.version.major", "-T", "fields", "-E", "occurrence=f",
    "-e", "tcp.stream", "-e", "ntlmssp.messagetype", "-e", "ntlmssp.version.major", "-e", "ntlmssp.version.minor", "-e", "ntlmssp.version.build_number"],
  { encoding: "utf8", maxBuffer: 1 << 26 });
  const by = new Map<number, { client?: string; server?: string }>();
  for (const line of out.split("\n").filter(Boolean)) {
    const [stream, type, major, minor, build] = line.split("\t");
    if (stream === "") continue;
    const e = by.get(Number(stream)) ?? {};
    const v = `${major}.${minor}.${build}`;
    if (Number(type) === 2) e.server ??= v; else e.client ??= v;
    by.set(Number(stream), e);
  }
  return by;
}

describe("who is talking (NTLM VERSION)", () => {
  it("names Windows releases, and says so for the build 0 that Samba sends", () => {
    expect(osVersion(10 | (0 << 8) | (26100 << 16)).name).toBe("Windows 11 24H2 or Server 2025 (10.0.26100)");
    expect(osVersion(10 | (0 << 8) | (20348 << 16)).name).toBe("Windows Server 2022 (10.0.20348)");
    expect(osVersion(6 | (1 << 8) | (7601 << 16)).name).toBe("Windows 7 SP1 or Server 2008 R2 SP1 (6.1.7601)");
    expect(osVersion(6 | (1 << 8)).name).toContain("build 0, as Samba");
    expect(osVersion(10 | (0 << 8) | (30000 << 16)).name).toBe("Windows 10 or 11, or Server 2016 or later (10.0.30000)");
  });

  const files = [
    ...readdirSync(FIX).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(FIX, f)),
    ...["smb/smb3.pcap", "smb/smb2.pcap", "dce-rpc/dce_rpc_ntlm.pcapng"].map((f) => join(CORPUS, f)).filter(existsSync),
  ];
  if (!existsSync(CORPUS)) console.log(`who-is-talking: ${CORPUS} absent, fixtures only`);
  it.skipIf(!haveTshark)(`every SMB connection's clientOs/serverOs is what tshark reads, on ${files.length} captures`, async () => {
    let compared = 0, windows = 0;
    // tshark's dumps, two at a time (they are the slow part: ~1 s each on a loaded 2-core machine, hence the timeout)
    const wants: Map<number, { client?: string; server?: string }>[] = [];
    for (let i = 0; i < files.length; i += 2) wants.push(...await Promise.all(files.slice(i, i + 2).map(tsharkVersions)));
    for (const [k, f] of files.entries()) {
      const want = wants[k];
      const r = await reportOf(f);
      for (const c of r.connections) {
        const w = want.get(c.stream) ?? {};
        expect({ file: f, stream: c.stream, client: c.clientOs?.version, server: c.serverOs?.version })
          .toEqual({ file: f, stream: c.stream, client: w.client, server: w.server });
        if (c.serverOs) { compared++; if (!c.serverOs.name.includes("build 0")) windows++; }
      }
    }
    expect(compared).toBeGreaterThan(10);
    if (existsSync(CORPUS)) expect(windows).toBeGreaterThan(0); // smb3.pcap: Windows Server 2016's CHALLENGE
  }, 360_000);
});
