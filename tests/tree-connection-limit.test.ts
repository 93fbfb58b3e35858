// TREE_CONNECTION_LIMIT on the real capture of scripts/fixtures/ending.sh (share-max-connections:
// smbd `max connections = 1`, one smbclient holding the share, a second refused with
// STATUS_INSUFFICIENT_RESOURCES), and on rewrites of it (labelled crafted) for the Windows status
// STATUS_REQUEST_NOT_ACCEPTED at TREE_CONNECT and at SESSION_SETUP.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { rewrite, setSmb2Status } from "./support/rewrite";
import type { Report } from "../src/core/report";

const FX = join(__dirname, "../fixtures/share-max-connections.pcap");
const STATUS_REQUEST_NOT_ACCEPTED = 0xc00000d0;
const text = (r: Report, id: string) => r.findings.filter((f) => f.id === id).map((f) => [f.title, f.explanation, ...f.remediation, ...(f.references ?? [])].join("\n")).join("\n");

describe("TREE_CONNECTION_LIMIT", () => {
  it("a share at its `max connections`: the refused connection names the share and the holding one, the holder is ok", async () => {
    const r = await reportOf(FX);
    const [holder, refused] = r.connections;
    expect({ outcome: holder.outcome, findings: holder.findings }).toEqual({ outcome: "ok", findings: [] });
    expect({ outcome: refused.outcome, failedPhase: refused.failedPhase, status: refused.status }).toEqual({ outcome: "failed", failedPhase: "tree_connect", status: "STATUS_INSUFFICIENT_RESOURCES" });
    expect(refused.findings).toEqual(["TREE_CONNECTION_LIMIT"]); // and no generic TREE_CONNECT_FAILED beside it
    const f = r.findings.find((x) => x.id === "TREE_CONNECTION_LIMIT")!;
    expect(f.connection).toBe(refused.id);
    expect(f.frames).toEqual([40, 41]);
    expect(f.title).toContain('Share "limited" on 10.99.5.1');
    const t = text(r, "TREE_CONNECTION_LIMIT");
    expect(t).toContain("1 other connection to 10.99.5.1 open, 1 of them with \\\\10.99.5.1\\limited connected");
    expect(t).toContain("max connections");
    expect(t).toContain("Get-SmbShare -Name limited | fl ConcurrentUserLimit");
    expect(t).toContain("Set-SmbShare -Name limited -ConcurrentUserLimit");
    expect(t).toContain("net share limited /users:<number>");
    expect(t).toContain("20 computers");
    expect(t).toContain("MS-SMB2 3.3.5.7");
    expect(r.findings.map((x) => x.id)).not.toContain("TREE_CONNECT_FAILED");
  });

  it("crafted: the Windows answer STATUS_REQUEST_NOT_ACCEPTED at TREE_CONNECT is the same finding", async () => {
    const path = rewrite(FX, "tree-request-not-accepted.pcap", () => true, (n, d) => (n === 41 ? setSmb2Status(d, STATUS_REQUEST_NOT_ACCEPTED) : d));
    const r = await reportOf(path);
    expect(r.connections[1].findings).toEqual(["TREE_CONNECTION_LIMIT"]);
    expect(text(r, "TREE_CONNECTION_LIMIT")).toContain("STATUS_REQUEST_NOT_ACCEPTED");
  });

  it("crafted: STATUS_REQUEST_NOT_ACCEPTED at SESSION_SETUP says the server takes no more connections", async () => {
    // the second connection's final SESSION_SETUP response (frame 33) refused; the capture ends there
    const path = rewrite(FX, "session-request-not-accepted.pcap", (n) => n <= 33, (n, d) => (n === 33 ? setSmb2Status(d, STATUS_REQUEST_NOT_ACCEPTED) : d));
    const r = await reportOf(path);
    const t = text(r, "SESSION_SETUP_FAILED");
    expect(t).toContain("STATUS_REQUEST_NOT_ACCEPTED");
    expect(t).toContain("no more connections");
    expect(t).toContain("ConcurrentUserLimit");
  });
});
