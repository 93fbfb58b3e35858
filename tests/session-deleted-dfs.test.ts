// USER_SESSION_DELETED and PATH_NOT_COVERED on the real captures of scripts/fixtures/refusals.sh
// (user-session-deleted: a TREE_CONNECT on another connection's session id; dfs-no-referral: an
// msdfs link opened by a client that asks for no referral; dfs-referral-followed: smbclient doing
// the normal DFS flow), and on rewrites of them (labelled crafted) for the cases no client here
// produces: a failed referral, and a client that sets up a new session after the refusal.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { rewrite, setSmb2Status } from "./support/rewrite";
import type { Report } from "../src/core/report";
import { spawnSync } from "node:child_process";
import { decodeFile } from "./support/decode";
import { EV_SMB2 } from "../assembly/events";
import { readPcap, writePcap } from "./support/pcap";
import { readTsv, num } from "./support/tshark";
import { writeFileSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";

const fx = (n: string) => join(__dirname, "../fixtures", n);
const text = (r: Report, id: string) => r.findings.filter((f) => f.id === id).map((f) => [f.title, f.explanation, ...f.remediation, ...(f.references ?? [])].join("\n")).join("\n");
const ids = (r: Report) => r.findings.map((f) => f.id);

/** tshark's frames (the fixture's .tshark.tsv) of the SMB2 messages with this command, direction and (for a response) status, in order. */
function tsharkFrames(name: string, cmd: number, response: boolean, status?: number): number[] {
  const out: number[] = [];
  for (const [frame, row] of readTsv(fx(name.replace(/\.pcap$/, ".tshark.tsv")))) {
    if (row["smb2.cmd"]?.[0] !== String(cmd) || row["smb2.flags.response"]?.[0] !== (response ? "1" : "0")) continue;
    if (status !== undefined && num(row["smb2.nt_status"]?.[0] ?? "-1") !== status) continue;
    out.push(frame);
  }
  return out;
}

describe("USER_SESSION_DELETED", () => {
  it("a TREE_CONNECT with another connection's session id: says whose session it was, not a logon or share problem", async () => {
    const r = await reportOf(fx("user-session-deleted.pcap"));
    const [first, second] = r.connections;
    expect({ outcome: first.outcome, findings: first.findings }).toEqual({ outcome: "ok", findings: [] });
    expect({ outcome: second.outcome, failedPhase: second.failedPhase, status: second.status }).toEqual({ outcome: "failed", failedPhase: "tree_connect", status: "STATUS_USER_SESSION_DELETED" });
    expect(second.findings).toEqual(["USER_SESSION_DELETED"]); // no generic TREE_CONNECT_FAILED beside it
    const f = r.findings.find((x) => x.id === "USER_SESSION_DELETED")!;
    expect(f.severity).toBe("error");
    expect(f.connection).toBe(second.id);
    // tshark: the TREE_CONNECT on tcp.stream 1 (the second of the capture), its answer, and the first connection's session setup
    const [, tc] = tsharkFrames("user-session-deleted.pcap", 3, false);
    const [refused] = tsharkFrames("user-session-deleted.pcap", 3, true, 0xc0000203);
    const [setUp] = tsharkFrames("user-session-deleted.pcap", 1, true, 0);
    expect(f.frames).toEqual([tc, refused]);
    const t = text(r, "USER_SESSION_DELETED");
    expect(t).toContain(`TREE_CONNECT to \\\\10.99.6.1\\IPC$ (frame ${tc})`);
    expect(t).toMatch(new RegExp(`Session 0x[0-9a-f]{16} belongs to connection 10\\.99\\.6\\.2:\\d+-10\\.99\\.6\\.1:445 \\(tcp\\.stream 0\\), where it was set up in frame ${setUp}`));
    expect(t).toContain("without any SESSION_SETUP");
    expect(t).toContain("MS-SMB2 3.3.5.2.9");
    expect(t).not.toMatch(/password is wrong|permission denied/i);
  });

  it("a TREE_CONNECT on the session the client logged off itself: the client is at fault, and the remedies start there", async () => {
    const r = await reportOf(fx("user-session-deleted-after-logoff.pcap"));
    const c = r.connections[0];
    expect({ outcome: c.outcome, failedPhase: c.failedPhase, status: c.status, findings: c.findings })
      .toEqual({ outcome: "failed", failedPhase: "tree_connect", status: "STATUS_USER_SESSION_DELETED", findings: ["USER_SESSION_DELETED"] });
    const f = r.findings.find((x) => x.id === "USER_SESSION_DELETED")!;
    expect(f.frames).toEqual([18, 19]); // tshark: TREE_CONNECT IPC$ after the LOGOFF (frames 16, 17) and its answer
    expect(f.explanation).toMatch(/Session 0x[0-9a-f]{16} was set up on this connection in frame 13, and the client itself logged it off \(LOGOFF, frame 16\) before using it again/);
    expect(f.remediation[0]).toContain("library that keeps sending a dead session's id");
    expect(f.remediation.join("\n")).not.toContain("AutoDisconnectTimeout");
  });

  it("crafted: without the LOGOFF (frames 16, 17 left out) the server ended the session, and the remedies look at the server", async () => {
    const r = await reportOf(rewrite(fx("user-session-deleted-after-logoff.pcap"), "usd-server-ended.pcap", (n) => n !== 16 && n !== 17));
    const f = r.findings.find((x) => x.id === "USER_SESSION_DELETED")!;
    expect(f.explanation).toContain("the server has deleted it since, without closing the connection");
    expect(f.remediation[0]).toContain("On 10.99.6.1, find what ended the session");
    expect(f.remediation.join("\n")).toContain("AutoDisconnectTimeout");
  });

  it("crafted: the same refusal at a re-authenticating SESSION_SETUP, the client then logging on again, is a warning that says it recovered", async () => {
    // the first connection up to its session: the answer to its first SESSION_SETUP leg made
    // USER_SESSION_DELETED; the leg that follows succeeds, as a client's new session would
    const [leg1] = tsharkFrames("user-session-deleted.pcap", 1, true, 0xc0000016);
    const [ok] = tsharkFrames("user-session-deleted.pcap", 1, true, 0);
    const path = rewrite(fx("user-session-deleted.pcap"), "usd-recovered.pcap", (n) => n <= ok, (n, d) => (n === leg1 ? setSmb2Status(d, 0xc0000203) : d));
    const r = await reportOf(path);
    const f = r.findings.find((x) => x.id === "USER_SESSION_DELETED");
    expect(f, ids(r).join()).toBeDefined();
    expect(f!.severity).toBe("warning");
    expect(f!.explanation).toContain(`The client then set up a new session (SESSION_SETUP answered STATUS_SUCCESS in frame ${ok})`);
    expect(ids(r)).not.toContain("SESSION_SETUP_FAILED");
  });
});

describe("PATH_NOT_COVERED", () => {
  it("an msdfs link opened by a client that asks for no referral: names the path, the DFS root flags and the missing referral", async () => {
    const r = await reportOf(fx("dfs-no-referral.pcap"));
    const c = r.connections[0];
    expect(c.findings).toEqual(["PATH_NOT_COVERED"]);
    const f = r.findings.find((x) => x.id === "PATH_NOT_COVERED")!;
    expect(f.severity).toBe("error");
    expect(f.frames).toEqual([16, 17]); // tshark: CREATE link\readme.txt and its STATUS_PATH_NOT_COVERED
    expect(f.title).toBe("\\\\10.99.6.1\\dfs\\link\\readme.txt is a DFS path 10.99.6.1 does not hold; the client did not ask for a referral");
    const t = text(r, "PATH_NOT_COVERED");
    expect(t).toContain("is a DFS root: its TREE_CONNECT response (frame 15) said so in ShareFlags (0x00000003)");
    expect(t).toContain("without SMB2_FLAGS_DFS_OPERATIONS");
    expect(t).toContain("no FSCTL_DFS_GET_REFERRALS");
    expect(t).toContain("msdfs:server\\share");
    expect(t).toContain("MS-DFSC 3.1.5.1");
    expect(r.verdict).toContain("DFS path");
  });

  it("the normal DFS flow (PATH_NOT_COVERED, then a referral answered on a new connection) is no finding", async () => {
    const r = await reportOf(fx("dfs-referral-followed.pcap"));
    expect(r.connections.map((c) => c.outcome)).toEqual(["ok", "ok", "ok"]);
    expect(ids(r)).not.toContain("PATH_NOT_COVERED");
    expect(ids(r)).not.toContain("TREE_CONNECT_FAILED");
    // the refusal is on the ladder, where the admin looks (routine referrals are not: the ladder is the handshake's)
    expect((r.connections[0].ladder ?? []).some((l) => l.label === "CREATE response" && l.status === "STATUS_PATH_NOT_COVERED")).toBe(true);
    expect((r.connections[1].ladder ?? []).some((l) => l.label.includes("IOCTL"))).toBe(false);
  });

  it("crafted: the referral answered with an error is the finding, with that status", async () => {
    // frame 38: the answer to the referral request on tcp.stream 1 (tshark), made STATUS_FS_DRIVER_REQUIRED
    const path = rewrite(fx("dfs-referral-followed.pcap"), "dfs-referral-failed.pcap", () => true, (n, d) => (n === 38 ? setSmb2Status(d, 0xc000019c) : d));
    const r = await reportOf(path);
    const f = r.findings.find((x) => x.id === "PATH_NOT_COVERED");
    expect(f, ids(r).join()).toBeDefined();
    expect(f!.title).toContain("the referral failed");
    expect(f!.explanation).toContain("answered STATUS_FS_DRIVER_REQUIRED in frame 38");
    expect(f!.frames).toEqual([22, 23, 37, 38]);
  });
});

describe("the names beyond the setup agree with tshark", () => {
  const haveTshark = spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;
  it.skipIf(!haveTshark && !process.env.CI)("CREATE names, IOCTL CtlCodes and referral paths, frame by frame", async () => {
    for (const name of ["dfs-no-referral.pcap", "dfs-referral-followed.pcap", "smb311-ok.pcap"]) {
      const ev = await decodeFile(fx(name));
      const ours = new Map(ev.filter((e) => e.kind === EV_SMB2 && (e.f.cmd === 5 || e.f.cmd === 11)).map((e) => [e.frame, e.f]));
      const out = spawnSync("tshark", ["-r", fx(name), "-2", "-T", "fields", "-E", "occurrence=f", "-e", "frame.number", "-e", "smb2.cmd", "-e", "smb2.flags.response",
        "-e", "smb2.filename", "-e", "smb2.ioctl.function", "-e", "smb.file", "-Y", "(smb2.cmd == 5 && smb2.flags.response == 0) || smb2.cmd == 11"], { encoding: "utf8" }).stdout;
      let creates = 0, ioctls = 0;
      for (const line of out.split("\n").filter(Boolean)) {
        const [frame, cmd, resp, file, ctl, path] = line.split("\t");
        const f = ours.get(Number(frame));
        expect(f, `${name} frame ${frame}`).toBeDefined();
        if (cmd === "5") { creates++; expect(f!.createName ?? "", `${name} frame ${frame}`).toBe(file); continue; }
        // an error response has no body, so no CtlCode (tshark prints none either)
        expect(f!.ctlCode, `${name} frame ${frame}`).toBe(ctl ? parseInt(ctl, 16) : undefined);
        if (resp === "0" && ctl) { ioctls++; expect(f!.dfsPath, `${name} frame ${frame}`).toBe(path); }
      }
      expect(creates + ioctls, name).toBeGreaterThan(0);
    }
  });
});

describe("the verdict counts them under their own causes", () => {
  it("a session gone and a dialect range refused, in one capture (the two real captures one after the other)", async () => {
    const a = readPcap(fx("user-session-deleted.pcap")), b = readPcap(fx("dialect-client-max-below-server-min.pcap"));
    expect(a.records[a.records.length - 1].tsUs).toBeLessThan(b.records[0].tsUs);
    const path = join(mkdtempSync(join(tmpdir(), "smbscope-usd-")), "two-causes.pcap");
    writeFileSync(path, writePcap(a.linkType, [...a.records, ...b.records]));
    const r = await reportOf(path);
    expect(r.verdict).toBe("2 of 3 SMB connections failed: 1 no common dialect, 1 session no longer on the server.");
  });
});

describe("SMB1 keeps the generic tree connect finding", () => {
  it("crafted: an SMB1 TREE_CONNECT_ANDX answered USER_SESSION_DELETED or PATH_NOT_COVERED is TREE_CONNECT_FAILED with the status's hint", async () => {
    // anon-smb1-tree-denied: tshark has the first TREE_CONNECT_ANDX response in frame 15; its NT status (5 bytes into the SMB1 header) patched
    const smb1Status = (d: Uint8Array, status: number) => {
      const x = new Uint8Array(d);
      for (let i = 0; i + 9 <= x.length; i++) {
        if (x[i] === 0xff && x[i + 1] === 0x53 && x[i + 2] === 0x4d && x[i + 3] === 0x42) { new DataView(x.buffer, x.byteOffset).setUint32(i + 5, status, true); return x; }
      }
      throw new Error("no SMB1 header");
    };
    for (const [status, hint] of [[0xc0000203, "the session was logged off before the tree connect"], [0xc0000257, "DFS link"]] as const) {
      const r = await reportOf(rewrite(fx("anon-smb1-tree-denied.pcap"), `smb1-${status}.pcap`, () => true, (n, d) => (n === 15 ? smb1Status(d, status) : d)));
      expect(ids(r)).toContain("TREE_CONNECT_FAILED");
      expect(ids(r)).not.toContain("USER_SESSION_DELETED");
      expect(ids(r)).not.toContain("PATH_NOT_COVERED");
      expect(r.findings.find((f) => f.id === "TREE_CONNECT_FAILED")!.explanation).toContain(hint);
    }
  });
});
