// Every status a capture can show has its name: each NTSTATUS in the tshark dumps of the fixtures
// and of the third-party corpus (smb.nt_status, smb2.nt_status), and the SMB1 DOS errors the
// fixtures hold (smb.error_class / smb.error_code), named as MS-CIFS 2.2.2.4 names them.
import { describe, it, expect } from "vitest";
import { readdirSync, existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { readTsv, num } from "./support/tshark";
import { statusName, statusLabel, statusInWords, dosErrorLabel, dosErrorStatus } from "../src/core/names";

function tsvs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? tsvs(p) : n.endsWith(".tshark.tsv") ? [p] : [];
  });
}

const FIXTURES = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
// NBSS carrying filler bytes ("AAAA…" where tshark reads a status): not SMB (tests/corpus.test.ts)
const NOT_SMB = ["netbios-split-session-msg.tshark.tsv"];

describe("status names", () => {
  it("names every NTSTATUS in the fixtures' and the corpus's tshark dumps", () => {
    const corpus = existsSync(CORPUS);
    if (!corpus) console.log(`status-names: ${CORPUS} absent, fixtures only`);
    const files = [...tsvs(FIXTURES), ...tsvs(CORPUS)].filter((f) => !NOT_SMB.some((n) => f.endsWith(n)));
    expect(files.length).toBeGreaterThan(40);
    const unnamed = new Map<string, string>();
    let seen = 0;
    for (const f of files) {
      for (const row of readTsv(f).values()) {
        for (const v of [...(row["smb.nt_status"] ?? []), ...(row["smb2.nt_status"] ?? [])]) {
          seen++;
          if (statusName(num(v)) === null) unnamed.set(statusLabel(num(v)), f);
        }
      }
    }
    // (the fixtures alone hold some 850 status values, with the corpus over 1,000)
    expect(seen).toBeGreaterThan(corpus ? 1000 : 500);
    expect([...unnamed]).toEqual([]);
  });

  it("names statuses outside the setup ones (0xC00000BD, seen on a real Windows capture)", () => {
    expect(statusLabel(0xc00000bd)).toBe("STATUS_DUPLICATE_NAME");
    expect(statusLabel(0xc000035c)).toBe("STATUS_NETWORK_SESSION_EXPIRED");
    expect(statusLabel(0)).toBe("STATUS_SUCCESS");
    expect(statusLabel(0xdeadbeef)).toBe("0xDEADBEEF");
  });

  it("names the SMB1 DOS errors of the fixtures and gives the NTSTATUS each stands for", () => {
    const seen = new Set<string>();
    for (const f of tsvs(FIXTURES)) {
      for (const row of readTsv(f).values()) {
        const cls = row["smb.error_class"] ?? [], code = row["smb.error_code"] ?? [];
        cls.forEach((c, i) => { if (num(c) !== 0) seen.add(dosErrorLabel(num(c), num(code[i]))); });
      }
    }
    expect([...seen].sort()).toEqual(["ERRDOS/ERRnoaccess", "ERRDOS/ERRnosuchshare", "ERRHRD/ERRgeneral"]);
    expect(statusLabel(dosErrorStatus(1, 5, 0x75))).toBe("STATUS_ACCESS_DENIED");
    expect(statusLabel(dosErrorStatus(1, 67, 0x75))).toBe("STATUS_BAD_NETWORK_NAME");
    expect(statusLabel(dosErrorStatus(2, 2, 0x73))).toBe("STATUS_LOGON_FAILURE");
    // Samba's DOS form of a wrong password at SESSION_SETUP_ANDX
    expect(statusLabel(dosErrorStatus(1, 5, 0x73))).toBe("STATUS_LOGON_FAILURE");
    expect(statusLabel(dosErrorStatus(2, 6, 0x75))).toBe("STATUS_BAD_NETWORK_NAME");
    // listed with no NT counterpart, or not listed at all: still a failure
    expect(statusLabel(dosErrorStatus(1, 7, 0x75))).toBe("STATUS_UNSUCCESSFUL");
    expect(dosErrorLabel(2, 0x1234)).toBe("ERRSRV/code 4660");
    expect(dosErrorLabel(9, 1)).toBe("class 0x09/code 1");
    expect(dosErrorStatus(0, 0, 0x75)).toBe(0);
    expect(statusInWords({ status: 0xc0000022, dos: "ERRDOS/ERRnoaccess" })).toBe("ERRDOS/ERRnoaccess (the SMB1 DOS error for STATUS_ACCESS_DENIED, MS-CIFS 2.2.2.4)");
    expect(statusInWords({ status: 0xc0000001, dos: "class 0xa4/code 37779" })).toMatch(/^class 0xa4\/code 37779 \(an SMB1 DOS error with no NTSTATUS counterpart/);
  });

  it("labels each status by its own name or number, also where statuses share a slot of the labels' table, asked in any order and as a negative int32", () => {
    // named and unnamed ones, many more than the table's slots, so that they collide and replace one another
    const all: number[] = [0, 0x103, 0x80000005, 0x80000006, 0xc0000016, 0xc000006d, 0xc0000022, 0xc00000cc, 0xc0000225, 0xc0ffee01, 0xdeadbeef, 0x7fffffff];
    for (let k = 0; k < 3000; k++) all.push((Math.imul(k, 2654435761) >>> 0) | 0xc0000000, 0xc0000000 + k);
    const want = (s: number) => statusName(s) ?? `0x${(s >>> 0).toString(16).padStart(8, "0").toUpperCase()}`;
    for (let r = 0; r < 2; r++) for (const s of all) { expect(statusLabel(s)).toBe(want(s)); expect(statusLabel(s | 0)).toBe(want(s)); }
    expect(statusLabel(0xc0ffee01)).toBe("0xC0FFEE01");
    expect(statusLabel(0xc000006d)).toBe("STATUS_LOGON_FAILURE");
  });
});
