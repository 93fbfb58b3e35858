// Every Wireshark display filter smbscope shows for a capture (each finding's evidence frames, its
// own filter, its connection's stream, each connection's stream: what the page, the Markdown export
// and the CLI print) goes through Debian's tshark on that capture, for every fixture and every
// corpus capture: it must compile, and select what it says. Frame filters select exactly the
// finding's frames; stream filters exactly the frames tshark puts in that tcp.stream, among them
// every frame the connection names; Kerberos filters the KRB-ERRORs the finding cites.
//
// One tshark run per capture (two at a time): tests/support/tshark-filters.lua compiles each
// filter with tshark's display filter engine (a tap per filter) and lists what each selected, and
// what tshark says every frame is (stream, Kerberos error code, addresses); -Y gets all the filters
// at once, so tshark's own -Y accepts each, and what it prints is the union of the selections.
import { describe, it, expect } from "vitest";
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { reportOf } from "./support/report";
import { findingFilters } from "../src/ui/model";
import { displayFilter } from "../src/core/filters";
import type { Report } from "../src/core/report";

const FIX = join(__dirname, "../fixtures");
const CORPUS = join(__dirname, "../../shared/corpus");
const LUA = join(__dirname, "support/tshark-filters.lua");
const IN_CI = !!process.env.CI && process.env.CI !== "false" && process.env.CI !== "0";
const haveTshark = spawnSync("tshark", ["-v"], { stdio: "ignore" }).status === 0;
if (!haveTshark) console.log(`filter tests ${IN_CI ? "FAIL" : "skipped"}: tshark is not installed (apt-get install tshark)`);
const haveCorpus = existsSync(join(CORPUS, "index.json"));
if (!haveCorpus) console.log(`filter tests on the corpus skipped: ${CORPUS} is absent`);

/** Captures whose evidence tshark cannot read: the filter must compile, but cannot select it. */
const TSHARK_UNREADABLE: Record<string, string> = {
  "zeek/krb/error-preauth-padata.pcap": "a crafted KRB-ERROR without pvno and msg-type: tshark marks it malformed and reads no error code",
};

const captures = [
  ...readdirSync(FIX).filter((f) => /\.pcap(ng)?$/.test(f)).sort().map((f) => join(FIX, f)),
  ...(haveCorpus ? (JSON.parse(readFileSync(join(CORPUS, "index.json"), "utf8")) as { file: string }[]).map((e) => join(CORPUS, e.file)) : []),
];

/** What a filter claims to select, and where the product shows it. */
interface Claim {
  where: string;
  /** exactly these frames */
  frames?: number[];
  /** exactly the frames of this tcp.stream, and at least `contains` */
  stream?: number;
  contains?: number[];
}

/** Every filter the product shows for this Report, with what it claims. */
function claimsOf(r: Report): Map<string, Claim[]> {
  const out = new Map<string, Claim[]>();
  const put = (filter: string | undefined, c: Claim) => {
    if (!filter) return;
    let l = out.get(filter);
    if (!l) out.set(filter, (l = []));
    l.push(c);
  };
  const byId = new Map(r.connections.map((c) => [c.id, c] as const));
  const framesOfConn = (id: string) => {
    const c = byId.get(id)!;
    return [c.firstFrame, ...c.phases.flatMap((p) => [p.requestFrame, p.responseFrame])].filter((n): n is number => typeof n === "number" && n > 0);
  };
  for (const c of r.connections) put(displayFilter({ stream: c.stream }), { where: `connection ${c.id}`, stream: c.stream, contains: framesOfConn(c.id) });
  for (const f of r.findings) {
    const conn = f.connection ? byId.get(f.connection) : undefined;
    const fl = findingFilters(f, conn);
    const where = `${f.id}${conn ? ` on ${conn.id}` : ""}`;
    put(fl.frames, { where: `${where} (evidence)`, frames: [...new Set(f.frames)].sort((a, b) => a - b) });
    if (conn) put(fl.stream, { where: `${where} (stream)`, stream: conn.stream, contains: framesOfConn(conn.id) });
    // the finding's own filter (the CLI prints it whatever it is): it must at least select the
    // Kerberos errors the finding cites, or the frames it names from the first one on
    if (f.filter && f.filter !== fl.frames && f.filter !== fl.stream) {
      const krbErrors = new Set(r.kerberos.filter((k) => k.message === "KRB-ERROR").map((k) => k.frame));
      const cited = f.frames.filter((n) => krbErrors.has(n));
      put(f.filter, { where: `${where} (filter)`, contains: cited.length ? cited : f.frames.slice(0, 1) });
    }
  }
  return out;
}

/** What tshark says each frame is. */
interface Frame { n: number; stream: number | null; krb: number[]; addrs: string[]; udpPorts: number[] }

/** The frames `filter` selects by its own terms, from tshark's view of each frame: the filter
 *  must be made only of the parts displayFilter builds (anything else fails the test). */
function meaning(filter: string, frames: Frame[]): number[] | string {
  const tests: ((f: Frame) => boolean)[] = [];
  const set = (s: string) => s.split(",").flatMap((x) => {
    const m = /^(\d+)\.\.(\d+)$/.exec(x);
    if (!m) return [Number(x)];
    return Array.from({ length: Number(m[2]) - Number(m[1]) + 1 }, (_, i) => Number(m[1]) + i);
  });
  for (const part of filter.split(" && ")) {
    let m: RegExpExecArray | null;
    if ((m = /^tcp\.stream eq (\d+)$/.exec(part))) { const s = Number(m[1]); tests.push((f) => f.stream === s); }
    else if ((m = /^frame\.number == (\d+)$/.exec(part))) { const n = Number(m[1]); tests.push((f) => f.n === n); }
    else if ((m = /^frame\.number in \{([\d.,]+)\}$/.exec(part))) { const s = new Set(set(m[1])); tests.push((f) => s.has(f.n)); }
    else if ((m = /^frame\.number >= (\d+)$/.exec(part))) { const n = Number(m[1]); tests.push((f) => f.n >= n); }
    else if ((m = /^kerberos\.error_code == (\d+)$/.exec(part))) { const n = Number(m[1]); tests.push((f) => f.krb.includes(n)); }
    else if ((m = /^kerberos\.error_code in \{([\d.,]+)\}$/.exec(part))) { const s = new Set(set(m[1])); tests.push((f) => f.krb.some((k) => s.has(k))); }
    else if ((m = /^ipv?6?\.addr == (\S+)$/.exec(part))) { const a = canonical(m[1]); tests.push((f) => f.addrs.includes(a)); }
    else if ((m = /^udp\.port == (\d+)$/.exec(part))) { const p = Number(m[1]); tests.push((f) => f.udpPorts.includes(p)); }
    else return `"${part}" is not a part displayFilter builds`;
  }
  return frames.filter((f) => tests.every((t) => t(f))).map((f) => f.n);
}

const canonical = (a: string) => (a.includes(":") ? new URL(`http://[${a}]/`).hostname.slice(1, -1) : a);

interface TsharkResult { errors: Map<number, string>; selected: Map<number, number[]>; frames: Frame[]; printed: number[]; stderr: string; code: number }

function runTshark(capture: string, filters: string[], dir: string, i: number): Promise<TsharkResult> {
  const list = join(dir, `filters-${i}.txt`);
  writeFileSync(list, filters.join("\n") + "\n");
  const args = ["-n", "-2", "-r", capture, "-X", `lua_script:${LUA}`, "-X", `lua_script1:${list}`,
    "-Y", filters.map((f) => `(${f})`).join(" || "), "-T", "fields", "-e", "frame.number"];
  return new Promise((resolve) => {
    execFile("tshark", args, { maxBuffer: 256 << 20 }, (err, stdout, stderr) => {
      const res: TsharkResult = { errors: new Map(), selected: new Map(), frames: [], printed: [], stderr: stderr.replace(/^Running as user.*\n/m, ""), code: err ? Number((err as { code?: number }).code ?? 1) : 0 };
      for (const line of stdout.split("\n")) {
        const c = line.split("\t");
        if (c[0] === "ERR") res.errors.set(Number(c[1]), c.slice(2).join(" "));
        else if (c[0] === "SEL") res.selected.set(Number(c[1]), c[2] ? c[2].split(",").map(Number) : []);
        else if (c[0] === "ALL") res.frames.push({ n: Number(c[1]), stream: c[2] === "-" ? null : Number(c[2]), krb: c[3] ? c[3].split(",").map(Number) : [], addrs: c[4] ? c[4].split(",").map(canonical) : [], udpPorts: c[5] ? c[5].split(",").map(Number) : [] });
        else if (/^\d+$/.test(line)) res.printed.push(Number(line));
      }
      resolve(res);
    });
  });
}

/** Runs `fn` over `items`, `n` at a time. */
async function pool<T, R>(items: T[], n: number, fn: (x: T, i: number) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: n }, async () => {
    while (next < items.length) { const i = next++; out[i] = await fn(items[i], i); }
  }));
  return out;
}

const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
const sorted = (a: number[]) => [...new Set(a)].sort((x, y) => x - y);
const short = (a: number[]) => (a.length > 12 ? `${a.slice(0, 12).join(",")},… (${a.length})` : a.join(","));

describe.skipIf(!haveTshark && !IN_CI)("every display filter shown works in tshark 4.0", () => {
  it("tshark is installed (CI installs it: .ci/run)", () => { expect(haveTshark).toBe(true); });

  it.skipIf(!haveTshark)(`compiles and selects what it says, on ${captures.length} captures`, async () => {
    const dir = mkdtempSync(join(tmpdir(), "smbscope-filters-"));
    const t0 = Date.now();
    let count = 0, runs = 0;
    const problems: string[] = [];
    try {
      // each capture's Report is made while tshark reads another
      await pool(captures, 2, async (cap, i) => {
        const claims = claimsOf(await reportOf(cap));
        if (!claims.size) return;
        const filters = [...claims.keys()];
        count += filters.length;
        runs++;
        const name = cap.replace(/^.*\/(fixtures|corpus)\//, "");
        const res = await runTshark(cap, filters, dir, i);
        for (const [k, msg] of res.errors) problems.push(`${name}: tshark rejects \`${filters[k - 1]}\` (${claims.get(filters[k - 1])![0].where}): ${msg}`);
        if (res.code !== 0) { problems.push(`${name}: tshark -Y failed (exit ${res.code}): ${res.stderr.trim().slice(0, 300)}`); return; }
        const union = new Set<number>();
        filters.forEach((filter, k) => {
          const got = res.selected.get(k + 1);
          if (!got) return;
          got.forEach((n) => union.add(n));
          const say = (what: string) => problems.push(`${name}: \`${filter}\`: ${what}`);
          const meant = meaning(filter, res.frames);
          if (typeof meant === "string") say(meant);
          else if (!same(got, meant)) say(`tshark selects ${short(got)}, the filter's terms ${short(meant)}`);
          for (const c of claims.get(filter)!) {
            if (c.frames && !same(got, c.frames)) say(`${c.where}: names frames ${short(c.frames)}, tshark selects ${short(got)}`);
            if (c.stream !== undefined) {
              const inStream = res.frames.filter((f) => f.stream === c.stream).map((f) => f.n);
              if (!same(got, inStream)) say(`${c.where}: tcp.stream ${c.stream} is ${short(inStream)}, tshark selects ${short(got)}`);
            }
            const missing = (c.contains ?? []).filter((n) => !got.includes(n));
            if (missing.length && TSHARK_UNREADABLE[name]) console.log(`${name}: \`${filter}\` selects nothing tshark can read (${TSHARK_UNREADABLE[name]})`);
            else if (missing.length) say(`${c.where}: leaves out frames ${short(sorted(missing))} it is about`);
          }
        });
        const printed = sorted(res.printed);
        if (!same(printed, sorted([...union]))) problems.push(`${name}: -Y printed ${short(printed)}, the filters selected ${short(sorted([...union]))}`);
      });
    } finally { rmSync(dir, { recursive: true, force: true }); }
    console.log(`${count} display filters of ${captures.length} captures checked with ${runs} tshark runs in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    expect(problems.slice(0, 30)).toEqual([]);
    expect(count).toBeGreaterThan(50);
  }, 300_000);
});
