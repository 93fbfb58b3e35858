// The Kerberos table and the Auth / user column on real AD DC captures (fixtures/krb-*): the
// error behind a failure is marked as its cause, pre-authentication errors as normal, and a
// Kerberos session names its client principal.
import { describe, it, expect } from "vitest";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { authText, connectionsShown, filterConnections, kerberosMark } from "../src/ui/model";
import { reportToMarkdown } from "../src/ui/markdown";

const FIX = join(__dirname, "../fixtures");
const marks = (r: Awaited<ReturnType<typeof reportOf>>) =>
  Object.fromEntries(r.kerberos.filter((k) => k.error).map((k) => [k.frame, kerberosMark(k, r.findings)?.text]));

describe("Kerberos in the tables", () => {
  it("marks KDC_ERR_S_PRINCIPAL_UNKNOWN behind the failed connection as the cause, pre-authentication errors as normal", async () => {
    const r = await reportOf(join(FIX, "krb-spn-unknown.pcap"));
    // frames as tshark numbers them: 2 PREAUTH_REQUIRED, 4 RESPONSE_TOO_BIG, 31 and 43 S_PRINCIPAL_UNKNOWN
    expect(marks(r)).toEqual({ 2: "normal", 4: "normal", 31: "cause", 43: "cause" });
    expect(reportToMarkdown(r)).toMatch(/\| 31 \| .* \| KDC_ERR_S_PRINCIPAL_UNKNOWN \(cause\) \|/);
  });

  it("an error that served no SMB connection is said to be not SMB-related; a pre-auth failure with no SMB is the cause", async () => {
    expect(marks(await reportOf(join(FIX, "krb-unrelated-errors.pcap")))).toEqual({ 2: "normal", 4: "normal", 24: "not SMB-related", 34: "not SMB-related", 48: "not SMB-related" });
    expect(marks(await reportOf(join(FIX, "krb-preauth-failed.pcap")))).toEqual({ 2: "normal", 4: "cause" });
  });

  it("a Kerberos session shows its client principal as the user, and the filter finds it", async () => {
    const r = await reportOf(join(FIX, "krb-smb-ok.pcap"));
    const [c] = connectionsShown(r);
    expect(authText(c)).toBe("Kerberos alice@CORP.EXAMPLE.TEST");
    expect(filterConnections(connectionsShown(r), "alice")).toHaveLength(1);
    expect(reportToMarkdown(r)).toContain("| Kerberos `alice@CORP.EXAMPLE.TEST` |"); // (an e-mail-like name as code: no autolink)
    // the Report itself is not changed
    expect(r.connections[0].user).toBeNull();
  });
});
