// The one builder of Wireshark display filters (src/core/filters.ts): the syntax of Wireshark 4.0
// and later (comma-separated sets, ranges), nothing taken from capture text but numbers and
// addresses. tests/filters-tshark.test.ts runs the filters of every capture through tshark.
import { describe, it, expect } from "vitest";
import { displayFilter, upgradeFilter } from "../src/core/filters";
import { findingFilters } from "../src/ui/model";

describe("display filters", () => {
  it("frame sets are comma-separated, with runs of three or more as ranges", () => {
    expect(displayFilter({ frames: [17] })).toBe("frame.number == 17");
    expect(displayFilter({ frames: [23, 22, 22] })).toBe("frame.number in {22,23}");
    expect(displayFilter({ frames: [30, 18, 19, 25, 26, 27, 28, 29] })).toBe("frame.number in {18,19,25..30}");
    expect(displayFilter({ frames: [1, 3, 5] })).toBe("frame.number in {1,3,5}");
    expect(displayFilter({ frames: [] })).toBe("");
    expect(displayFilter({ frames: [0, -1, 1.5, NaN] })).toBe("");
  });

  it("streams, later frames, Kerberos errors and hosts", () => {
    expect(displayFilter({ stream: 3 })).toBe("tcp.stream eq 3");
    expect(displayFilter({ stream: 0 })).toBe("tcp.stream eq 0");
    expect(displayFilter({ stream: -1 })).toBe("");
    expect(displayFilter({ stream: null })).toBe("");
    expect(displayFilter({ stream: 4, fromFrame: 17 })).toBe("tcp.stream eq 4 && frame.number >= 17");
    expect(displayFilter({ kerberosErrors: [25, 52, 25], host: "10.0.0.7" })).toBe("kerberos.error_code in {25,52} && ip.addr == 10.0.0.7");
    expect(displayFilter({ kerberosErrors: [7], host: "fe80::1" })).toBe("kerberos.error_code == 7 && ipv6.addr == fe80::1");
    expect(displayFilter({ kerberosErrors: [null, 24] })).toBe("kerberos.error_code == 24");
  });

  it("takes no text from the capture that is not an address", () => {
    expect(displayFilter({ kerberosErrors: [6], host: "10.0.0.1 || 1" })).toBe("kerberos.error_code == 6");
    expect(displayFilter({ host: "999.1.1.1" })).toBe("");
    expect(displayFilter({ host: "evil) || (frame" })).toBe("");
  });

  it("a Report saved before (history) shows its filters in today's syntax", () => {
    expect(upgradeFilter("kerberos.error_code in {25 52} && ip.addr == 10.99.2.2")).toBe("kerberos.error_code in {25,52} && ip.addr == 10.99.2.2");
    expect(upgradeFilter("tcp.stream eq 0 && frame.number in {10 11 12}")).toBe("tcp.stream eq 0 && frame.number in {10,11,12}");
    expect(upgradeFilter("tcp.stream eq 3")).toBe("tcp.stream eq 3");
    const f = { id: "KERBEROS_PREAUTH_NORMAL", severity: "info" as const, title: "", explanation: "", remediation: [], connection: null, frames: [2, 4], filter: "kerberos.error_code in {25 52} && ip.addr == 10.99.2.2" };
    expect(findingFilters(f)).toEqual({ frames: "frame.number in {2,4}", stream: "", extra: "kerberos.error_code in {25,52} && ip.addr == 10.99.2.2" });
    expect(findingFilters({ ...f, filter: "frame.number in {2 4}" }).extra).toBe("");
  });
});
