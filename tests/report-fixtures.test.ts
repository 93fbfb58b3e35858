// Every fixture's expected facts (written and checked against tshark when the capture was made,
// fixtures/*.expected.json) against the Report: outcome, failing phase and status, dialect,
// auth, user, shares, finding ids, Kerberos messages.
import { describe, it, expect } from "vitest";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { join } from "node:path";
import { reportOf } from "./support/report";
import type { Connection, Report } from "../src/core/report";

const DIR = join(__dirname, "../fixtures");
const expectations = readdirSync(DIR).filter((f) => f.endsWith(".expected.json")).sort();

interface ExpConn {
  client: string; server: string; stream?: number; transport?: string; dialect?: string | null; auth?: string | null;
  user?: string | null; encryption?: string | null; outcome?: string; failedPhase?: string | null; status?: string | null;
  shares?: { path: string; status: string | null }[]; findings?: string[];
}
interface ExpKrb { frame: number; message: string; error: string | null; service?: string | null; expected?: boolean | null }
interface Expected {
  fixture: string; connections: ExpConn[]; kerberos?: ExpKrb[]; packets?: number; findings?: string[];
  /** TCP connections that carry no SMB (another protocol answered): not in the Report's connections */
  notSmb?: { client: string; server: string }[];
  /** the Report's Kerberos messages are exactly these many (ICMP errors quoting a request are not requests) */
  kerberosCount?: number;
}

function match(r: Report, e: ExpConn): Connection | undefined {
  const cands = r.connections.filter((c) => c.client.startsWith(`${e.client}:`) && c.server === e.server);
  if (e.stream !== undefined) return cands.find((c) => c.stream === e.stream) ?? cands[0];
  return cands[0];
}

describe("reports of the fixtures match their expected facts", () => {
  for (const file of expectations) {
    const exp: Expected = JSON.parse(readFileSync(join(DIR, file), "utf8"));
    const cap = join(DIR, exp.fixture);
    it.skipIf(!existsSync(cap))(exp.fixture, async () => {
      const r = await reportOf(cap);
      if (exp.packets !== undefined) expect(r.capture.packets).toBe(exp.packets);
      for (const e of exp.connections) {
        const c = match(r, e);
        expect(c, `connection ${e.client} → ${e.server}`).toBeDefined();
        const got: Record<string, unknown> = {};
        const want: Record<string, unknown> = {};
        for (const k of ["outcome", "failedPhase", "status", "dialect", "auth", "user", "transport"] as const) {
          if (e[k] !== undefined) { want[k] = e[k]; got[k] = c![k]; }
        }
        // encryption: null in expected.json is tshark's "no dialect agreed", which the Report calls "none"
        if (e.encryption) { want.encryption = e.encryption; got.encryption = c!.encryption; }
        expect(got).toEqual(want);
        if (e.shares) expect(c!.shares.map((s) => ({ path: s.path, status: s.status }))).toEqual(e.shares.map((s) => ({ path: s.path, status: s.status })));
        for (const id of e.findings ?? []) expect(c!.findings, `finding ${id} on ${c!.id}`).toContain(id);
      }
      for (const k of exp.kerberos ?? []) {
        const got = r.kerberos.find((x) => x.frame === k.frame);
        expect(got, `Kerberos message in frame ${k.frame}`).toBeDefined();
        expect({ message: got!.message, error: got!.error, expected: got!.expected }).toEqual({ message: k.message, error: k.error, expected: k.expected ?? null });
        if (k.service) expect(got!.service).toBe(k.service);
      }
      for (const id of exp.findings ?? []) expect(r.findings.map((f) => f.id)).toContain(id);
      if (exp.kerberosCount !== undefined) expect(r.kerberos.map((k) => k.frame)).toEqual((exp.kerberos ?? []).map((k) => k.frame));
      for (const n of exp.notSmb ?? []) {
        expect(r.connections.filter((c) => c.client.startsWith(`${n.client}:`) && c.server === n.server).map((c) => c.id), `not SMB: ${n.client} → ${n.server}`).toEqual([]);
      }
    });
  }
});

// The SMB 3 encryption fixtures (scripts/fixtures/encryption.sh) carry the secret that decrypts them and the facts
// tshark shows once decrypted (expected.json "decryption"). Without a secret the Report must see what tshark sees
// without one: the connection encrypted, the dialect, and no tree connect that travelled inside a TRANSFORM message.
interface DecConn {
  stream: number; dialect: string | null; cipher: string | null; encryption: string; transformFrames: number;
  decryptedFrames: number; shares: { path: string; status: string | null; requestFrame: number; encrypted: boolean }[];
}
interface Decryption { secret: { kind: "password" | "keytab"; file: string }; dump: string; connections: DecConn[] }

describe("encryption fixtures, read without their secret", () => {
  const withSecret = expectations
    .map((f) => JSON.parse(readFileSync(join(DIR, f), "utf8")) as Expected & { decryption?: Decryption })
    .filter((e) => e.decryption);
  it("exist, each with its secret and decrypted dump", () => {
    expect(withSecret.length).toBeGreaterThanOrEqual(12);
    for (const e of withSecret) {
      const d = e.decryption!;
      expect(readFileSync(join(DIR, d.secret.file)).length, d.secret.file).toBeGreaterThan(0);
      expect(existsSync(join(DIR, d.dump)), d.dump).toBe(true);
    }
  });
  for (const e of withSecret) {
    it.skipIf(!existsSync(join(DIR, e.fixture)))(`${e.fixture}: encrypted, tree connects inside TRANSFORM hidden`, async () => {
      const r = await reportOf(join(DIR, e.fixture));
      for (const [i, d] of e.decryption!.connections.entries()) {
        const c = match(r, e.connections[i]);
        expect(c, `connection of stream ${d.stream}`).toBeDefined();
        expect(c!.dialect).toBe(d.dialect);
        if (d.transformFrames > 0) {
          expect(c!.encryption).toBe(d.encryption);
          expect(c!.findings).toContain("ENCRYPTED_TRAFFIC");
        }
        const seen = new Set(c!.shares.map((s) => s.requestFrame));
        for (const s of d.shares) expect(seen.has(s.requestFrame), `${s.path} (frame ${s.requestFrame})`).toBe(!s.encrypted);
      }
    });
  }
});
