// Report.servers from core/serverList.ts: per server in the order of its first connection, its
// connections and the failed ones. Its columns grow as servers come (no arrays sized for every
// connection at once), and its table of IPv4 servers past the size it was made for: a capture
// with thousands of servers, each of several connections, must list each server once with all
// its connections.
import { describe, it, expect } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import { fileSource } from "../src/cli/nodeSource";
import { ServerList } from "../src/core/serverList";
import { serversOf } from "./support/report";

describe("servers of a capture with thousands of servers, each of several connections", () => {
  it("lists each server once, in the order of its first connection, with the Report and with a sink", async () => {
    // a replica of the smb1m bench (bench/gen.mjs) whose replicas take their addresses from 1,500
    // sets: the servers of the first 1,500 come again after the table has grown
    const dir = mkdtempSync(join(tmpdir(), "smbscope-servers-"));
    try {
      const file = join(dir, "smb3k.pcap");
      const gen = spawnSync(process.execPath, [join(__dirname, "../bench/gen.mjs"), "smb1m", file, "--conns", "4000", "--hosts", "1500"]);
      expect(gen.status).toBe(0);
      const whole = await analyzeCapture(await nodeDecoder(), await fileSource(file));
      const want = JSON.stringify(serversOf(whole.connections));
      expect(whole.connections.length).toBeGreaterThan(3900);
      // (past the table's first size, 1,024 at most half full: it doubled), each server more than once
      expect(whole.servers!.length).toBeGreaterThan(1024);
      expect(whole.servers!.length).toBeLessThan(whole.connections.length / 2);
      expect(JSON.stringify(whole.servers)).toBe(want);
      let list: ServerList | null = null;
      await analyzeCapture(await nodeDecoder(), await fileSource(file), { connections: { put: () => {}, servers: (l) => { list = l; } } });
      expect(JSON.stringify(list!.slice(0, list!.length))).toBe(want);
      // and a list told nothing of how many servers to expect: its table doubles, more than once
      const grown = new ServerList();
      for (const c of whole.connections) grown.addRecord(c);
      expect(JSON.stringify(grown.done().toArray())).toBe(want);
    } finally { rmSync(dir, { recursive: true, force: true }); }
  }, 120_000);
});
