// smbscope benchmark (npm run bench [-- --no-big] [--only mix,many,dense,still,conn1m,smb1m,flood,flood-adv,big,etl] [--no-tshark] [--no-browser] [--runs N]).
//
// 1. Makes (or reuses, cached in ~/.cache/smbscope/bench or $SMBSCOPE_BENCH_CACHE) large captures
//    by replicating the real captures in fixtures/ (bench/gen.mjs):
//      mix     ≥ 1 GiB: bulk SMB 3.1.1 READ/WRITE, thousands of short SMB setups, HTTP and DNS
//      many    ≥ 1 GiB: thousands of short SMB connections among unrelated HTTP (short and long)
//              and DNS traffic
//      dense   stress: ~50,000 SMB connections packed into 0.5 GB of short TCP and DNS
//      still   dense's mix, 60 MB, every packet at one time (a capture whose clock stands still)
//      conn1m  1,000,000 short unrelated TCP connections with about a thousand SMB ones
//      smb1m   1,000,000 short SMB connections (a logon storm): nearly all healthy, ~4,000 failing
//              in the ways the other fixtures fail (~7.7 GB)
//      flood, flood-adv  a SYN scan of 540,000 IPv6 flows, ordinary and hash-flooding (the flows
//              chosen to collide in the flow table's old unkeyed hash), same size: the ratio is printed
//      big     the mix at ~4.3 GiB with about as many SMB setups (--no-big skips it): memory stays flat,
//              offsets past 4 GiB
//      etl     the mix wrapped in ndiscap events by scripts/fixtures/etl-writer.mjs (1.26 GB .etl):
//              the CLI's --json only, and its Report against the mix's
// 2. Runs the Node CLI over each as a child process: `--json` (the whole job), the readable report
//    (the default: its peak RSS, as it lists every connection) and `--events >
//    /dev/null` (decode + event view), plus bench/decode-wasm.mjs (the wasm alone); prints MB/s,
//    packets/s and peak RSS (process.resourceUsage().maxRSS, reported by bench/rss.mjs), and the
//    memory per SMB connection (what --json needs above the wasm alone, per connection); checks
//    that the Report counts every packet and byte and, where every replica is whole (conn1m),
//    that each SMB connection's verdict is its fixture's expected one.
// 3. Where tshark is installed, times `tshark -n -r FILE -Y 'smb2.cmd <= 3 || smb || kerberos'
//    -T fields -e frame.number -e smb2.cmd -e smb2.nt_status` on the same whole file (the
//    equivalent extraction: the setup commands, their statuses, Kerberos) and prints the ratio to
//    the CLI's --json time.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync, statSync, readdirSync, openSync, closeSync, rmSync, readSync } from "node:fs";
import { homedir, cpus, totalmem } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { GEN_VERSION, FIXTURES, loadSeeds, kinds, generate, generateFlood, FLOOD_FLOWS } from "./gen.mjs";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, "..");
const args = process.argv.slice(2);
const flag = (f) => args.includes(f);
const opt = (f, d) => { const i = args.indexOf(f); return i >= 0 ? args[i + 1] : d; };
// --big is accepted for older notes: the 4.3 GiB capture is part of every run unless --no-big
const BIG = !flag("--no-big");
const TSHARK = !flag("--no-tshark") && spawnSync("tshark", ["--version"]).status === 0;
const RUNS = Number(opt("--runs", "3"));
const ONLY = opt("--only", "")?.split(",").filter(Boolean) ?? [];
const CACHE = process.env.SMBSCOPE_BENCH_CACHE ?? join(homedir(), ".cache/smbscope/bench");
const GiB = 1 << 30;
const MB = 1e6;
const PREFIX = 200e6;
const TSHARK_FILTER = ["-Y", "smb2.cmd <= 3 || smb || kerberos", "-T", "fields", "-e", "frame.number", "-e", "smb2.cmd", "-e", "smb2.nt_status"];

const SPECS = [
  { name: "mix", kind: "mix", targetBytes: 1.1 * GiB },
  { name: "many", kind: "many", targetBytes: 1.1 * GiB },
  { name: "dense", kind: "dense", targetBytes: 0.5 * GiB },
  // dense's mix with every packet at one time (a capture whose clock stands still): the fold
  // waits for the capture's time to pass each connection's Kerberos window, which it never does
  { name: "still", kind: "dense", targetBytes: 60 * MB, still: true },
  { name: "conn1m", kind: "conn1m", replicas: 1_000_000 },
  { name: "smb1m", kind: "smb1m", replicas: 1_000_000 },
  // hash flooding: a SYN scan of 540,000 flows, ordinary and with flows chosen to collide in the
  // old unkeyed flow-table hash; the ratio of the two is printed (target: within 2×)
  { name: "flood", kind: "flood", flows: FLOOD_FLOWS },
  { name: "flood-adv", kind: "flood-adv", flows: FLOOD_FLOWS },
  ...(BIG || ONLY.includes("big") ? [{ name: "big", kind: "big", targetBytes: 4.3 * GiB, seed: 7 }] : []),
].filter((s) => ONLY.length === 0 || ONLY.includes(s.name));

function seedsHash() {
  const h = createHash("sha256");
  h.update(`gen ${GEN_VERSION}\n`);
  h.update(readFileSync(join(HERE, "gen.mjs")));
  for (const f of readdirSync(FIXTURES).filter((x) => x.endsWith(".pcap")).sort()) h.update(f).update(readFileSync(join(FIXTURES, f)));
  return h.digest("hex").slice(0, 12);
}

function ensureCapture(spec, hash, seeds) {
  mkdirSync(CACHE, { recursive: true });
  const file = join(CACHE, `${spec.name}-${hash}.pcap`);
  const metaFile = `${file}.json`;
  if (existsSync(file) && existsSync(metaFile)) return { file, meta: JSON.parse(readFileSync(metaFile, "utf8")) };
  for (const old of readdirSync(CACHE).filter((f) => f.startsWith(`${spec.name}-`))) rmSync(join(CACHE, old), { force: true });
  process.stderr.write(`generating ${spec.name} → ${file} ...`);
  const t = Date.now();
  const k = kinds(seeds)[spec.kind];
  const meta = spec.flows ? generateFlood(file + ".tmp", { flows: spec.flows, adversarial: spec.kind === "flood-adv" }) : generate(file + ".tmp", {
    ...k, targetBytes: spec.targetBytes ?? Infinity, replicas: spec.replicas ?? Infinity, seed: spec.seed ?? 1, prefixAt: PREFIX, still: !!spec.still,
    onProgress: (b) => { if (b % (256 << 20) < (16 << 20)) process.stderr.write("."); },
  });
  spawnSync("mv", [file + ".tmp", file]);
  writeFileSync(metaFile, JSON.stringify(meta));
  process.stderr.write(` ${(meta.bytes / GiB).toFixed(2)} GiB, ${meta.packets} packets, ${meta.replicas} connections/exchanges in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return { file, meta };
}

/** Runs a command, stdout to /dev/null (or to `stdoutFile`); returns { seconds, maxRssKiB, code }. */
function run(cmd, argv, { stats = false, stdoutFile = "/dev/null" } = {}) {
  return new Promise((resolve, reject) => {
    const statsFile = join(CACHE, `stats-${process.pid}.json`);
    rmSync(statsFile, { force: true });
    // the hook rides in NODE_OPTIONS so that the CLI runs as users run it: the executable itself
    // (its #! line gives node the CLI's V8 flags)
    const env = { ...process.env, BENCH_STATS: stats ? statsFile : "", NODE_OPTIONS: stats ? `--import=${join(HERE, "rss.mjs")}` : (process.env.NODE_OPTIONS ?? "") };
    const out = openSync(stdoutFile, "w");
    const t = process.hrtime.bigint();
    const c = spawn(cmd, argv, { stdio: ["ignore", out, "pipe"], env });
    let err = "";
    c.stderr.on("data", (d) => { err += d; });
    c.on("error", reject);
    c.on("close", (code) => {
      closeSync(out);
      const seconds = Number(process.hrtime.bigint() - t) / 1e9;
      let s = {};
      if (stats && existsSync(statsFile)) { s = JSON.parse(readFileSync(statsFile, "utf8")); rmSync(statsFile, { force: true }); }
      if ((code !== 0 && code !== 1) || (cmd !== "tshark" && /Error|error:/.test(err))) {
        reject(new Error(`${cmd} ${argv.join(" ")} exited ${code}: ${err.slice(0, 800)}`));
        return;
      }
      resolve({ seconds, code, ...s });
    });
  });
}

// Reads the file once so that every timed run finds it in the page cache (the decoder is timed,
// not the disk).
function warm(file) { spawnSync("cat", [file], { stdio: ["ignore", "ignore", "ignore"] }); }

/** "failed at tree_connect (STATUS_BAD_NETWORK_NAME)": a connection's verdict, as a count key. */
const verdictKey = (c) => `${c.outcome}${c.failedPhase ? ` at ${c.failedPhase}` : ""}${c.status ? ` (${c.status})` : ""}`;

/**
 * The verdicts a capture of complete replicas must give: each replicated fixture's expected
 * connections (fixtures/*.expected.json, checked against tshark), once per replica.
 */
function expectedVerdicts(perSeed) {
  const want = new Map();
  for (const [name, n] of Object.entries(perSeed)) {
    const f = join(FIXTURES, name.replace(/\.pcap$/, ".expected.json"));
    if (!existsSync(f)) continue; // HTTP and DNS seeds: no SMB
    for (const c of JSON.parse(readFileSync(f, "utf8")).connections) want.set(verdictKey(c), (want.get(verdictKey(c)) ?? 0) + n);
  }
  return want;
}

function compareVerdicts(want, connections, lanes) {
  const got = new Map();
  for (const c of connections) got.set(verdictKey(c), (got.get(verdictKey(c)) ?? 0) + 1);
  // A request left unanswered in the capture's last 2 s is "incomplete" (an answer could still
  // come), not "no-response": up to one replica per lane can end that way.
  let late = 0;
  for (const [k, n] of got) {
    if (!k.startsWith("incomplete at ")) continue;
    const nr = k.replace(/^incomplete/, "no-response");
    const move = Math.min(n, (want.get(nr) ?? 0) - (got.get(nr) ?? 0), lanes - late);
    if (move > 0) { got.set(k, n - move); got.set(nr, (got.get(nr) ?? 0) + move); late += move; }
  }
  const keys = [...new Set([...want.keys(), ...got.keys()])].filter((k) => want.get(k) || got.get(k)).sort();
  const diff = keys.filter((k) => (want.get(k) ?? 0) !== (got.get(k) ?? 0));
  const lateText = late ? `; ${late} of the no-response ones reported as incomplete (a request in the capture's last 2 s; at most one per lane is allowed)` : "";
  return diff.length === 0
    ? `every one as its fixture's expected facts say (${keys.map((k) => `${fmt(got.get(k))} ${k}`).join(", ")})${lateText}`
    : `MISMATCH with the fixtures' expected facts: ${diff.map((k) => `${k}: expected ${want.get(k) ?? 0}, got ${got.get(k) ?? 0}`).join("; ")}${lateText}`;
}

async function best(cmd, argv, o) {
  let r = null;
  for (let i = 0; i < RUNS; i++) {
    const x = await run(cmd, argv, o);
    if (!r || x.seconds < r.seconds) r = x;
    if (x.seconds > 30) break; // slow enough that repeating it says nothing new
  }
  return r;
}

/**
 * What the bench checks in a Report file: capture.packets and bytes, and every connection's
 * verdict. Read in pieces: a Report of 1,000,000 connections is larger than the longest string
 * V8 can make. Keys are matched in the order the Report writes them (outcome, failedPhase and
 * status are consecutive in a connection and appear nowhere else).
 */
function readReportFacts(file) {
  const fd = openSync(file, "r");
  const buf = Buffer.allocUnsafe(16 << 20);
  const CONN = /"outcome":"([a-z-]+)","failedPhase":(null|"[a-z_]+"),"status":(null|"(?:[^"\\]|\\.)*")/g;
  const facts = { packets: undefined, bytes: undefined, connections: [] };
  let tail = "", pos = 0, n;
  while ((n = readSync(fd, buf, 0, buf.length, pos)) > 0) {
    pos += n;
    let text = tail + buf.toString("latin1", 0, n);
    const nl = text.indexOf("\n");
    if (nl >= 0) text = text.slice(0, nl); // the first Report only
    if (facts.packets === undefined) {
      const m = /"capture":\{"file":"(?:[^"\\]|\\.)*","format":"[a-z]+","linkTypes":\[[^\]]*\],"packets":(\d+),"bytes":(\d+)/.exec(text);
      if (m) { facts.packets = Number(m[1]); facts.bytes = Number(m[2]); }
    }
    let last = 0, m;
    CONN.lastIndex = 0;
    while ((m = CONN.exec(text))) {
      facts.connections.push({ outcome: m[1], failedPhase: m[2] === "null" ? null : m[2].slice(1, -1), status: m[3] === "null" ? null : JSON.parse(m[3]) });
      last = CONN.lastIndex;
    }
    if (nl >= 0) break;
    // a match may straddle the piece's end: keep the text after the last match (bounded)
    tail = text.slice(Math.max(last, text.length - 4096));
  }
  closeSync(fd);
  return facts;
}

/** KiB of peak RSS per SMB connection that --json needs above the wasm alone (null: no connections, or a failed run). */
function perConnection(r) {
  const j = r.runs.json, w = r.runs.wasm;
  if (j.failed || !r.check.connections || !j.maxRssKiB || !w.maxRssKiB) return null;
  return Math.max(0, j.maxRssKiB - w.maxRssKiB) / r.check.connections;
}

const fmt = (n, d = 0) => n.toLocaleString("en-US", { maximumFractionDigits: d, minimumFractionDigits: d });
const node = process.execPath;
const cli = join(ROOT, "bin/smbscope.mjs");

console.log(`smbscope bench — Node ${process.version}, ${cpus().length} × ${cpus()[0].model}, ${fmt(totalmem() / GiB, 1)} GiB RAM`);
console.log(`captures in ${CACHE}; best of ${RUNS} run(s); MB = 10^6 bytes`);
const hash = seedsHash();
const seeds = loadSeeds();
const rows = [];
for (const spec of SPECS) {
  const { file, meta } = ensureCapture(spec, hash, seeds);
  const size = statSync(file).size;
  const res = { name: spec.name, file, size, packets: meta.packets, conns: meta.replicas };
  warm(file);
  const reportFile = join(CACHE, `report-${spec.name}.json`);
  // a --json run that fails (the heap limit reached, say) is reported, and the bench goes on
  const json = await best(cli, ["--json", file], { stats: true, stdoutFile: reportFile }).catch((e) => ({ failed: e.message }));
  // the readable report (the CLI's default), which lists every connection: its rows spooled as --json's records are
  const text = await best(cli, [file], { stats: true }).catch((e) => ({ failed: e.message }));
  const events = await best(cli, ["--events", file], { stats: true });
  const wasm = await best(node, [join(HERE, "decode-wasm.mjs"), "--sync", file], { stats: true });
  const wasm2 = await best(node, [join(HERE, "decode-wasm.mjs"), "--overlap", file], { stats: true });
  res.runs = { json, text, events, wasm, wasm2 };
  console.log(`\n${spec.name}: ${fmt(size / MB)} MB, ${fmt(meta.packets)} packets, ${fmt(meta.replicas)} replicated connections/exchanges`);
  if (json.failed) {
    console.log(`  cli --json FAILED: ${json.failed.split("\n").filter((l) => /FATAL|heap|rror/.test(l)).slice(0, 2).join(" / ").slice(0, 300)}`);
    res.check = { connections: 0 };
  } else {
    // the report must account for every packet and byte (offsets past 4 GiB included)
    const report = readReportFacts(reportFile);
    res.check = { packets: report.packets, bytes: report.bytes, connections: report.connections.length };
    const ok = res.check.packets === meta.packets && res.check.bytes === size;
    console.log(`  report: ${fmt(res.check.packets ?? 0)} packets, ${fmt(res.check.bytes ?? 0)} bytes, ${fmt(res.check.connections ?? 0)} SMB connections — ${ok ? "every packet and byte accounted for" : "MISMATCH with the generator's counts"}`);
    // Where no replica was cut short by the size target (conn1m, smb1m), every SMB verdict is known
    if (spec.targetBytes === undefined && meta.perSeed) console.log(`  SMB verdicts: ${compareVerdicts(expectedVerdicts(meta.perSeed), report.connections, kinds(seeds)[spec.kind].lanes)}`);
  }
  if (text.failed) console.log(`  cli (text) FAILED: ${text.failed.split("\n").filter((l) => /FATAL|heap|rror/.test(l)).slice(0, 2).join(" / ").slice(0, 300)}`);
  for (const [label, r] of [["cli --json       ", json], ["cli (text)       ", text], ["cli --events     ", events], ["wasm, sync reads ", wasm], ["wasm, overlapped ", wasm2]]) {
    if (r.failed) continue;
    console.log(`  ${label}  ${fmt(r.seconds, 2).padStart(7)} s  ${fmt(size / MB / r.seconds).padStart(6)} MB/s  ${fmt(meta.packets / r.seconds / 1e6, 2).padStart(6)} Mpackets/s  peak RSS ${fmt((r.maxRssKiB ?? 0) / 1024).padStart(4)} MiB  CPU ${fmt(((r.userUs ?? 0) + (r.sysUs ?? 0)) / 1e6, 2)} s`);
  }
  res.perConn = perConnection(res);
  if (res.perConn !== null) console.log(`  memory per SMB connection: ${fmt(res.perConn, 2)} KiB (cli --json peak RSS above the wasm alone's, over ${fmt(res.check.connections)} SMB connections)`);
  if (TSHARK && !json.failed) {
    // the same whole file, once (it takes a minute or more per GB)
    const ts = await run("tshark", ["-n", "-r", file, ...TSHARK_FILTER]);
    res.tshark = { seconds: ts.seconds, ours: json.seconds, ratio: ts.seconds / json.seconds };
    console.log(`  tshark -n, same file, equivalent extraction: ${fmt(ts.seconds, 1)} s (${fmt(size / MB / ts.seconds, 1)} MB/s) → cli --json ${fmt(res.tshark.ratio, 1)}× faster`);
  }
  rows.push(res);
}

// etl: the mix as a Windows event trace (ndiscap 1001 events, 4 CPUs, 1 MiB uncompressed buffers)
// made by the fixture writer; its Report must be the mix's (file name, format and size aside)
if (ONLY.length === 0 || ONLY.includes("etl")) {
  const { pcapToEtl } = await import("../scripts/fixtures/etl-writer.mjs");
  const { file: mixFile } = ensureCapture(SPECS.find((x) => x.name === "mix") ?? { name: "mix", kind: "mix", targetBytes: 1.1 * GiB }, hash, seeds);
  const file = join(CACHE, `etl-${hash}.etl`);
  if (!existsSync(file)) {
    for (const old of readdirSync(CACHE).filter((f) => f.startsWith("etl-"))) rmSync(join(CACHE, old), { force: true });
    process.stderr.write(`generating etl → ${file} ...`);
    const t = Date.now();
    pcapToEtl(mixFile, file + ".tmp", { cpus: 4, bufferSize: 1 << 20, seed: 1 });
    spawnSync("mv", [file + ".tmp", file]);
    process.stderr.write(` in ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  }
  const size = statSync(file).size;
  warm(file);
  const reportFile = join(CACHE, "report-etl.json");
  const json = await best(cli, ["--json", file], { stats: true, stdoutFile: reportFile });
  const mixReportFile = join(CACHE, "report-mix.json");
  if (!rows.some((x) => x.name === "mix")) await run(cli, ["--json", mixFile], { stdoutFile: mixReportFile }); // (not made by this run)
  const strip = (f, name) => { const r = JSON.parse(readFileSync(f, "utf8").split("\n")[0]); delete r.capture.file; delete r.capture.format; delete r.capture.bytes; return JSON.stringify(r).split(name).join("FILE"); };
  const same = strip(reportFile, "etl-" + hash + ".etl") === strip(mixReportFile, mixFile.split("/").pop());
  console.log(`\netl: ${fmt(size / MB)} MB (the mix in ndiscap events, 4 CPUs, 1 MiB buffers) — Report ${same ? "equal to the mix's" : "DIFFERENT from the mix's"}`);
  console.log(`  cli --json          ${fmt(json.seconds, 2).padStart(7)} s  ${fmt(size / MB / json.seconds).padStart(6)} MB/s  peak RSS ${fmt((json.maxRssKiB ?? 0) / 1024).padStart(4)} MiB`);
  rows.push({ name: "etl", file, size, runs: { json }, sameReport: same, check: { connections: JSON.parse(readFileSync(reportFile, "utf8").split("\n")[0]).connections.length } });
}
writeFileSync(join(CACHE, "last-results.json"), JSON.stringify(rows, null, 1));

// The figures the targets speak of, side by side (the targets: --json ≥ 1,000 MB/s on mix and
// many, ≥ 25× tshark on the same file, peak RSS under 150 MiB on the 1 GiB and the 4 GiB capture)
console.log("\nsummary (cli --json, whole job):");
for (const r of rows) {
  const j = r.runs.json;
  if (j.failed) { console.log(`  ${r.name.padEnd(7)} FAILED (see above)`); continue; }
  const per = r.perConn !== undefined && r.perConn !== null ? `  ${fmt(r.perConn, 2).padStart(6)} KiB per SMB connection` : "";
  const t = r.runs.text;
  const textRss = t && !t.failed ? `  (text: peak RSS ${fmt((t.maxRssKiB ?? 0) / 1024).padStart(4)} MiB)` : "";
  console.log(`  ${r.name.padEnd(7)} ${fmt(r.size / MB / j.seconds).padStart(6)} MB/s  peak RSS ${fmt((j.maxRssKiB ?? 0) / 1024).padStart(4)} MiB  ${fmt(r.check.connections ?? 0).padStart(7)} SMB connections${per}${r.tshark ? `  ${fmt(r.tshark.ratio, 1).padStart(5)}× tshark` : ""}${textRss}`);
}

// Hash flooding: the adversarial SYN scan against the ordinary one of the same size
const flood = rows.find((r) => r.name === "flood"), adv = rows.find((r) => r.name === "flood-adv");
if (flood && adv) {
  console.log(`\nhash flooding (${fmt(adv.conns)} flows colliding in the old unkeyed hash vs ${fmt(flood.conns)} ordinary ones, ${fmt(adv.size / MB)} MB each; target within 2×):`);
  for (const [label, k] of [["cli --json       ", "json"], ["cli --events     ", "events"], ["wasm, sync reads ", "wasm"]]) {
    const a = adv.runs[k].seconds, o = flood.runs[k].seconds;
    console.log(`  ${label}  ${fmt(a, 2).padStart(7)} s vs ${fmt(o, 2).padStart(6)} s  → ${fmt(a / o, 2)}×${a / o <= 2 ? "" : "  OVER 2×"}`);
  }
}

// The browser: the built app in Chromium on the mix capture (the real worker path), next to the
// ceiling of merely reading the File's slices into wasm memory; the 4.3 GiB capture
// too (the worker's memory must not grow with the file, File.slice offsets past 4 GiB).
for (const r of rows.filter((x) => x.name === "mix" || x.name === "big")) {
  if (flag("--no-browser")) break;
  console.log(`\nbrowser (Chromium, npm run build:app output, ${r.name} capture, ${fmt(r.size / MB)} MB):`);
  warm(r.file); // as for the CLI: the file in the page cache, so that the disk is not measured
  spawnSync(process.execPath, [join(HERE, "browser.mjs"), r.file, "--runs", String(RUNS), ...(r.name === "mix" ? [] : ["--no-ceiling"])], { stdio: "inherit", cwd: ROOT });
}
