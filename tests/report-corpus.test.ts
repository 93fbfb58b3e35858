// Reports of the third-party corpus (../shared/corpus) agree with the peer tool's expected
// output (Zeek logs, distilled into expected.json): tree connect paths, NTLM users of SMB
// sessions, Kerberos request types, services and failures.
import { describe, it, expect } from "vitest";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { reportOf } from "./support/report";

const CORPUS = join(__dirname, "../../shared/corpus");
const present = existsSync(join(CORPUS, "index.json"));
if (!present) console.log(`corpus report tests skipped: ${CORPUS} is absent`);
interface Entry { file: string; expected_json: boolean }
const entries: Entry[] = present ? JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) : [];

type Row = Record<string, unknown>;

describe.skipIf(!present)("corpus reports agree with expected.json", () => {
  for (const e of entries.filter((x) => x.expected_json)) {
    it(e.file, async () => {
      const path = join(CORPUS, e.file);
      const exp = JSON.parse(readFileSync(path.replace(/\.pcapn?g?$/, ".expected.json"), "utf8")) as Record<string, Row[] | undefined>;
      const r = await reportOf(path);
      expect(r.capture.error ?? null).toBeNull();
      // Tree connect paths (Zeek's smb_mapping), on the connection of the same 4-tuple
      for (const m of exp.smb_mapping ?? []) {
        const conn = r.connections.find((c) => c.client === `${m["id.orig_h"]}:${m["id.orig_p"]}` && c.server === `${m["id.resp_h"]}:${m["id.resp_p"]}`);
        if (!conn || conn.midstream) continue; // Zeek also maps trees it saw only in later traffic
        expect(conn.shares.map((s) => s.path.toLowerCase()), `${conn.id}`).toContain(String(m.path).toLowerCase());
      }
      // NTLM users of SMB sessions (ports 445/139)
      for (const n of exp.ntlm ?? []) {
        if (n["id.resp_p"] !== 445 && n["id.resp_p"] !== 139) continue;
        if (!n.username) continue;
        const conn = r.connections.find((c) => c.client === `${n["id.orig_h"]}:${n["id.orig_p"]}` && c.server === `${n["id.resp_h"]}:${n["id.resp_p"]}`);
        expect(conn, `SMB connection ${n["id.orig_h"]}:${n["id.orig_p"]}`).toBeDefined();
        expect(conn!.user?.toLowerCase()).toContain(String(n.username).toLowerCase());
      }
      // Kerberos requests on port 88: type and service; failures are KRB-ERRORs to that client
      for (const k of exp.kerberos ?? []) {
        if (k["id.resp_p"] !== 88) continue;
        const client = String(k["id.orig_h"]), kdc = String(k["id.resp_h"]);
        if (!k.request_type) {
          // Zeek logged a reply alone (e.g. a KRB-ERROR without its request): it must be there
          expect(r.kerberos.some((x) => x.client === client && x.message === "KRB-ERROR"), `KRB-ERROR to ${client}`).toBe(true);
          continue;
        }
        const reqs = r.kerberos.filter((x) => x.client === client && x.kdc === kdc && x.message === `${k.request_type}-REQ`);
        expect(reqs.length, `${k.request_type}-REQ from ${client}`).toBeGreaterThan(0);
        if (k.service) expect(reqs.map((x) => x.service?.toLowerCase())).toContain(String(k.service).toLowerCase());
        if (k.success === false) {
          expect(r.kerberos.some((x) => x.client === client && x.message === "KRB-ERROR" && x.expected === false), `a failure for ${client}`).toBe(true);
        }
      }
    });
  }
});
