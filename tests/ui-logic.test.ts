// The web app's pure logic: formatting, sorting/filtering, ladder layout, progress, test hooks.
import { describe, it, expect } from "vitest";
import { formatBytes, formatRate, formatEta, formatOffset, formatDuration, formatElapsed, showMoreText, splitCode, spanMs } from "../src/ui/format";
import { sortConnections, filterConnections, nextSort, sortFindings, compareEndpoints, reportTone, defaultConnection, isUnusable, failedText } from "../src/ui/model";
import { layoutLadder, isErrorStep, hasModelFlags, failingFrame, failureFrames, stepTone, lanesFor, arrowEnds, kdcAddress, LADDER } from "../src/ui/ladder";
import { ProgressMeter, progressAt, type ProgressInfo } from "../src/worker/progress";
import { testHooksFrom } from "../src/ui/testHooks";
import { exportBaseName } from "../src/ui/download";
import { sampleReport, badShareConnection, okConnection, noResponseConnection } from "./ui-sample-report";

describe("formatting", () => {
  it("sizes, rates and times", () => {
    expect(formatBytes(0)).toBe("0 B");
    expect(formatBytes(5043)).toBe("4.9 KiB");
    expect(formatBytes(3 * 1024 ** 3)).toBe("3.0 GiB");
    expect(formatRate(123.4)).toBe("123 MB/s");
    expect(formatRate(0)).toBe("–");
    expect(formatEta(null)).toBe("estimating…");
    expect(formatEta(5.4)).toBe("5 s");
    expect(formatEta(65)).toBe("1 min 05 s");
    expect(formatEta(7322)).toBe("2 h 02 min");
    expect(formatOffset(0.015)).toBe("+0.015 ms");
    expect(formatOffset(17.398)).toBe("+17.40 ms");
    expect(formatOffset(20000.7)).toBe("+20.001 s");
    expect(formatDuration(0.42)).toBe("0.420 ms");
    expect(formatDuration(20_000)).toBe("20 s");
    expect(formatDuration(null)).toBe("–");
    expect(spanMs("2026-01-02T03:04:05.123456Z", "2026-01-02T03:04:27.623456Z")).toBe(22500);
  });

  it("says what a reader can use: never '0 s left' while work is left, '0.00 s', or 'Show 328 more of 328'", () => {
    expect(formatEta(0.4)).toBe("under 1 s");
    expect(formatEta(0)).toBe("under 1 s");
    expect(formatElapsed(3.2)).toBe("under 10 ms");
    expect(formatElapsed(420.4)).toBe("420 ms");
    expect(formatElapsed(1254)).toBe("1.25 s");
    expect(formatElapsed(12_345)).toBe("12.3 s");
    expect(showMoreText(1000, 328)).toBe("Show the other 328");
    expect(showMoreText(1000, 2328)).toBe("Show 1,000 more (of 2,328 not shown)");
  });

  it("splits commands out of remediation text", () => {
    expect(splitCode("List shares with `net view \\\\srv` or `smbclient -L srv`; set `server signing = mandatory`.")).toEqual([
      { code: false, text: "List shares with " }, { code: true, text: "net view \\\\srv", runnable: true },
      { code: false, text: " or " }, { code: true, text: "smbclient -L srv", runnable: true }, { code: false, text: "; set " },
      { code: true, text: "server signing = mandatory", runnable: false }, { code: false, text: "." },
    ]);
    expect(splitCode("no commands")).toEqual([{ code: false, text: "no commands" }]);
    expect(splitCode("an `unclosed backtick")).toEqual([{ code: false, text: "an `unclosed backtick" }]);
  });

  it("export file names drop the capture extension and unsafe characters", () => {
    expect(exportBaseName("tree-bad-share.pcap")).toBe("tree-bad-share.smbscope");
    expect(exportBaseName('a:b?"c.pcapng')).toBe("a_b_c.smbscope");
  });
});

describe("connections table", () => {
  const list = [okConnection, badShareConnection, noResponseConnection];

  it("puts failures first by default, then frame order", () => {
    expect(sortConnections(list).map((c) => c.outcome)).toEqual(["failed", "no-response", "ok"]);
    expect(defaultConnection(sampleReport())?.id).toBe(badShareConnection.id);
  });

  it("sorts by a column, and flips on a second click", () => {
    let s = nextSort({ key: "outcome", dir: 1 }, "client");
    expect(s).toEqual({ key: "client", dir: 1 });
    expect(sortConnections(list, s).map((c) => c.client)).toEqual(["10.99.1.2:33224", "10.99.1.2:48168", "10.99.1.3:50000"]);
    s = nextSort(s, "client");
    expect(s.dir).toBe(-1);
    expect(sortConnections(list, s).map((c) => c.client)[0]).toBe("10.99.1.3:50000");
  });

  it("compares addresses numerically", () => {
    expect(compareEndpoints("10.0.0.9:445", "10.0.0.10:445")).toBeLessThan(0);
    expect(compareEndpoints("10.0.0.10:139", "10.0.0.10:445")).toBeLessThan(0);
    expect(compareEndpoints("[fe80::1]:445", "[fe80::2]:445")).toBeLessThan(0);
  });

  it("filters on every column and on the outcome", () => {
    expect(filterConnections(list, "nosuchshare").map((c) => c.id)).toEqual([badShareConnection.id]);
    expect(filterConnections(list, "BOB").map((c) => c.id)).toEqual([okConnection.id]);
    expect(filterConnections(list, "negotiate 10.99.1.9").map((c) => c.id)).toEqual([noResponseConnection.id]);
    expect(filterConnections(list, "", "problems")).toHaveLength(2);
    expect(filterConnections(list, "", "ok")).toEqual([okConnection]);
    expect(failedText(badShareConnection)).toBe("TREE_CONNECT · STATUS_BAD_NETWORK_NAME");
    expect(failedText(noResponseConnection)).toBe("NEGOTIATE · no response");
  });

  it("orders findings errors first, keeping the report's order otherwise", () => {
    expect(sortFindings(sampleReport().findings).map((f) => f.id)).toEqual(["TREE_BAD_NETWORK_NAME", "NEGOTIATE_NO_RESPONSE", "ENCRYPTED_TRAFFIC"]);
  });

  it("tone of a report", () => {
    const r = sampleReport();
    expect(reportTone(r)).toBe("error");
    expect(reportTone({ ...r, findings: [], connections: [okConnection] })).toBe("ok");
    const bad = { ...r, connections: [], findings: [], capture: { ...r.capture, packets: 0, error: "x is not a packet capture" } };
    expect(isUnusable(bad)).toBe(true);
    expect(isUnusable(r)).toBe(false);
    expect(reportTone(bad)).toBe("error");
    // nothing to diagnose (an empty capture, or other traffic only) is not "ok"
    const info = { id: "NO_SMB_TRAFFIC", severity: "info" as const, title: "", explanation: "", remediation: [], connection: null, frames: [] };
    expect(reportTone({ ...r, connections: [], kerberos: [], findings: [info], capture: { ...r.capture, packets: 0 } })).toBe("none");
    expect(reportTone({ ...r, connections: [], kerberos: [], findings: [{ ...info, severity: "warning" }] })).toBe("warning");
  });
});

describe("ladder layout", () => {
  it("one row per message, a marked break for a long silence", () => {
    const l = layoutLadder(badShareConnection.ladder!);
    const breaks = l.rows.filter((r) => r.type === "break");
    expect(breaks).toHaveLength(1); // 6.4 ms → 1500 ms
    expect(breaks[0]).toMatchObject({ label: "1.5 s without traffic" });
    expect(l.rows.filter((r) => r.type === "msg")).toHaveLength(badShareConnection.ladder!.length);
    const ys = l.rows.map((r) => r.y);
    expect([...ys].sort((a, b) => a - b)).toEqual(ys);
    expect(l.height).toBe(LADDER.top + 10 * LADDER.rowH + LADDER.breakH + LADDER.bottom);
  });

  it("uses the model's gap markers and does not double them", () => {
    const l = layoutLadder(noResponseConnection.ladder!);
    expect(l.rows.map((r) => r.type)).toEqual(["msg", "msg", "break", "msg"]);
    expect(l.rows[2]).toMatchObject({ label: "20 s without an answer" });
  });

  it("marks the failing message", () => {
    const steps = badShareConnection.ladder!;
    expect(hasModelFlags(steps)).toBe(true);
    expect(steps.filter((s) => isErrorStep(s, true)).map((s) => s.frame)).toEqual([23]);
    // without flags from the model: error statuses, but not the normal ones
    expect(isErrorStep({ frame: 1, offsetMs: 0, fromClient: false, label: "x", kind: "smb", status: "STATUS_LOGON_FAILURE" }, false)).toBe(true);
    expect(isErrorStep({ frame: 1, offsetMs: 0, fromClient: false, label: "x", kind: "smb", status: "STATUS_MORE_PROCESSING_REQUIRED" }, false)).toBe(false);
  });

  it("finds the frame the connection failed on, and tells it from other error statuses", () => {
    expect(failingFrame(badShareConnection)).toBe(23);
    expect(failingFrame(noResponseConnection)).toBe(64); // the unanswered request
    expect(failingFrame(okConnection)).toBeNull();
    const ioctl = { frame: 17, offsetMs: 1, fromClient: false, label: "IOCTL response", kind: "smb" as const, status: "STATUS_NOT_FOUND", error: true };
    expect(stepTone(ioctl, 23, true)).toBe("none"); // a DFS referral miss is normal
    expect(stepTone({ ...ioctl, label: "CREATE response", status: "STATUS_ACCESS_DENIED" }, 23, true)).toBe("warn");
    expect(stepTone(badShareConnection.ladder!.find((s) => s.frame === 23)!, 23, true)).toBe("fail");
    expect(stepTone(badShareConnection.ladder![0], 23, true)).toBe("none");
  });
});

describe("ladder with Kerberos", () => {
  const krb = [
    { frame: 28, offsetMs: 17, fromClient: true, label: "TGS-REQ to KDC 10.99.2.1 (cifs/files.corp.example.test)", kind: "krb" as const },
    { frame: 31, offsetMs: 20, fromClient: false, label: "KRB-ERROR from KDC 10.99.2.1 (cifs/files.corp.example.test)", status: "KDC_ERR_S_PRINCIPAL_UNKNOWN", kind: "krb" as const, error: true },
    { frame: 2, offsetMs: -60, fromClient: false, label: "KRB-ERROR from KDC 10.99.2.1", status: "KDC_ERR_PREAUTH_REQUIRED", kind: "krb" as const, error: true },
  ];
  it("adds a KDC lane and draws Kerberos messages to it", () => {
    const l = lanesFor([...badShareConnection.ladder!, ...krb]);
    expect(l.kdcX).not.toBeNull();
    expect(arrowEnds(krb[0], l)).toEqual([l.clientX, l.kdcX]);
    expect(arrowEnds(krb[1], l)).toEqual([l.kdcX, l.clientX]);
    expect(arrowEnds(badShareConnection.ladder![2], l)).toEqual([l.clientX, l.serverX]);
    expect(lanesFor(badShareConnection.ladder!).kdcX).toBeNull();
    expect(kdcAddress(krb)).toBe("10.99.2.1");
  });
  it("without a failing phase, marks the error answers named by the connection's error findings", () => {
    const c = { ...okConnection, outcome: "incomplete" as const, ladder: krb };
    const findings = [{ ...sampleReport().findings[1], connection: c.id, frames: [28, 31, 2] }];
    expect([...failureFrames(c, findings)]).toEqual([31]); // not the request, not pre-auth
    expect([...failureFrames(badShareConnection, [])]).toEqual([23]);
  });
});

describe("progress", () => {
  it("computes percent, MB/s and ETA", () => {
    const p = progressAt(50e6, 200e6, 1000);
    expect(p.percent).toBe(25);
    expect(p.mbps).toBe(50);
    expect(p.etaSec).toBe(3);
    expect(progressAt(10, 100, 100).etaSec).toBeNull(); // too early to say
    expect(progressAt(100, 100, 100, true)).toMatchObject({ percent: 100, etaSec: 0, done: true });
  });

  it("throttles updates but always reports the first and the last", () => {
    let t = 0;
    const seen: ProgressInfo[] = [];
    const m = new ProgressMeter(1000, (p) => seen.push(p), 100, () => t);
    m.update(0, true);
    for (let b = 10; b < 1000; b += 10) { t += 5; m.update(b); }
    m.update(1000);
    expect(seen[0].bytes).toBe(0);
    expect(seen.at(-1)).toMatchObject({ bytes: 1000, done: true });
    expect(seen.length).toBeGreaterThan(3);
    expect(seen.length).toBeLessThan(10); // ~500 ms of work at 100 ms intervals
  });
});

describe("test hooks", () => {
  it("come only from explicit URL parameters", () => {
    expect(testHooksFrom("")).toEqual({});
    expect(testHooksFrom("?foo=1")).toEqual({});
    expect(testHooksFrom("?test-slice=512&test-fail-after=2&test-fail-mode=crash")).toEqual({ sliceBytes: 512, failAfterSlices: 2, failMode: "crash" });
    expect(testHooksFrom("?test-fail-after=x")).toEqual({});
    expect(testHooksFrom("?test-delay=40")).toEqual({ sliceDelayMs: 40 });
  });
});

describe("history entries", () => {
  it("summarise a report for the list without loading it", async () => {
    const { entryFor, wrapError } = await import("../src/history/store");
    const { ReportIndex } = await import("../src/worker/reportIndex");
    const e = entryFor({ name: "a.pcap", size: 10, sha256: "ab", digest: new ReportIndex(sampleReport()).digest(), stored: new Blob([]), date: 5 }, false);
    expect(e).toMatchObject({ name: "a.pcap", size: 10, sha256: "ab", date: 5, tone: "error", errors: 2, warnings: 0, packets: 70, hasCapture: false });
    expect(e.findingIds).toEqual(["ENCRYPTED_TRAFFIC", "TREE_BAD_NETWORK_NAME", "NEGOTIATE_NO_RESPONSE"]);
    const q = wrapError(Object.assign(new Error("The quota has been exceeded."), { name: "QuotaExceededError" }), "x.pcap was analysed but not saved");
    expect(q.kind).toBe("quota");
    expect(q.message).toMatch(/^x\.pcap was analysed but not saved: .*full\. Nothing already in history was lost/);
  });
});
