// AnalyzeOptions.connections (core/connectionSink.ts): with a sink, every connection record goes
// there once, in an order that sorts to the Report's, and the rest of the Report (verdict,
// headline, servers, findings) is what it is without one; a sink that takes the servers' list
// (the CLI's) gets Report.servers' entries there. Over every fixture.
import { describe, it, expect } from "vitest";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { nodeDecoder } from "../src/cli/wasmNode";
import { analyzeCapture } from "../src/core/analyze";
import { fileSource } from "../src/cli/nodeSource";
import type { Connection } from "../src/core/report";
import type { ServerList } from "../src/core/serverList";
import { serversOf } from "./support/report";

const FIX = join(__dirname, "../fixtures");
const files = readdirSync(FIX).filter((f) => /\.(pcap|pcapng)$/.test(f)).sort();

describe("connection sink", () => {
  it("gets every record once, and sorted by order they are the Report's connections", async () => {
    let records = 0, servers = 0;
    for (const f of files) {
            const whole = await analyzeCapture(await nodeDecoder(), await fileSource(join(FIX, f)));
      const got: [number, string][] = [];
      const sunk = await analyzeCapture(await nodeDecoder(), await fileSource(join(FIX, f)), {
        connections: { put: (order: number, r: Connection) => { got.push([order, JSON.stringify(r)]); } },
      });
      expect(sunk.connections, f).toEqual([]);
      expect(new Set(got.map(([o]) => o)).size, `${f}: orders distinct`).toBe(got.length);
      got.sort((a, b) => a[0] - b[0]);
      expect(got.map(([, j]) => j), f).toEqual(whole.connections.map((c) => JSON.stringify(c)));
      expect(JSON.stringify({ ...sunk, connections: undefined }), f).toBe(JSON.stringify({ ...whole, connections: undefined }));
      records += got.length;
      let list: ServerList | null = null;
      const listed = await analyzeCapture(await nodeDecoder(), await fileSource(join(FIX, f)), {
        connections: { put: () => {}, servers: (l) => { list = l; } },
      });
      expect(listed.servers, f).toEqual([]);
      // what Report.servers says: per server in the order of its first connection, its connections and the failed ones
      const want = JSON.stringify(serversOf(whole.connections));
      expect(JSON.stringify(whole.servers), f).toBe(want);
      expect(JSON.stringify(list!.slice(0, list!.length)), f).toBe(want);
      expect(JSON.stringify({ ...listed, connections: undefined, servers: whole.servers }), f).toBe(JSON.stringify({ ...whole, connections: undefined }));
      servers += list!.length;
    }
    expect(records).toBeGreaterThan(80);
    expect(servers).toBeGreaterThan(20);
  });
});
