// The built app in real Chromium (served by vite preview with the production CSP header): each
// main fixture gives the expected verdict, findings and failing frame; history survives a reload;
// the app works offline; bad files and a crashing worker give clear messages and the app stays
// usable; and no connection or DNS lookup ever leaves 127.0.0.1.
import { describe, it, expect, beforeAll, afterAll } from "vitest";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import type { Browser, BrowserContext, Page } from "playwright-core";
import type { PreviewServer } from "vite";
import { startApp, launch, haveChromium, CHROMIUM, readNetLog, IPV6_PROBE, overflowing, ladderTextSizes } from "./support";
// @ts-ignore plain JS module
import { pcapToEtl } from "../scripts/fixtures/etl-writer.mjs";
import { parseKeytab } from "../src/core/decrypt/keytab";
// @ts-expect-error: the bench's generator is plain JavaScript
import { floodFlows, floodPcap } from "../bench/gen.mjs";

const FIX = join(__dirname, "../fixtures");
const ART = join(__dirname, "artifacts");
if (!haveChromium) console.log(`browser tests skipped: ${CHROMIUM} is not installed (apt-get install chromium)`);

interface Expect { file: string; finding: string; tone: string }
const CASES: Expect[] = [
  { file: "tree-bad-share.pcap", finding: "TREE_BAD_NETWORK_NAME", tone: "error" },
  { file: "wrong-password.pcap", finding: "LOGON_FAILURE", tone: "error" },
  { file: "encrypt-smb21.pcap", finding: "TREE_ACCESS_DENIED_ENCRYPTION", tone: "error" },
  { file: "negotiate-no-response.pcap", finding: "NEGOTIATE_NO_RESPONSE", tone: "error" },
];

/** The frame the fixture's connection failed on (fixtures/*.expected.json, checked against tshark). */
function failingFrame(file: string): number {
  const x = JSON.parse(readFileSync(join(FIX, file.replace(/\.pcapn?g?$/, ".expected.json")), "utf8"));
  const c = x.connections[0];
  const ps = c.phases.filter((p: { phase: string }) => p.phase === c.failedPhase);
  const p = ps.find((q: { status: string | null }) => c.status && q.status === c.status) ?? ps[ps.length - 1];
  return p.responseFrame ?? p.requestFrame;
}

describe.skipIf(!haveChromium)("app in Chromium", () => {
  let server: PreviewServer;
  let url: string;
  let origin: string;
  let browser: Browser | null = null;
  const netLog = join(tmpdir(), `smbscope-netlog-${process.pid}.json`); // KEEP_NETLOG=1 keeps it
  const requests: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ART, { recursive: true });
    ({ server, url } = await startApp());
    origin = new URL(url).origin;
    browser = await launch({ netLog });
  });
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (!process.env.KEEP_NETLOG) rmSync(netLog, { force: true });
    else console.log(`network log kept: ${netLog}`);
  });

  async function open(opts: { query?: string; dark?: boolean; width?: number } = {}): Promise<{ ctx: BrowserContext; page: Page }> {
    const ctx = await browser!.newContext({ viewport: { width: opts.width ?? 1200, height: opts.width && opts.width < 500 ? 844 : 900 }, colorScheme: opts.dark ? "dark" : "light" });
    ctx.on("request", (r) => requests.push(r.url()));
    const page = await ctx.newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.goto(url + (opts.query ?? ""));
    await page.getByTestId("nav-history").waitFor();
    return { ctx, page };
  }

  const analyse = (page: Page, file: string | string[]) =>
    page.getByTestId("file-input").setInputFiles(Array.isArray(file) ? file.map((f) => join(FIX, f)) : join(FIX, file));

  /** The report shows as soon as it is ready; it is saved once the file's hash is known. */
  const saved = (page: Page) => page.getByTestId("saved").waitFor({ timeout: 15_000 });

  const historyCount = async (page: Page) => Number((await page.getByTestId("nav-history").textContent())!.match(/\((\d+)\)/)![1]);

  it("shows the verdict, the findings and the failing frame of each main fixture; exports JSON and Markdown", async () => {
    const { ctx, page } = await open();
    await page.screenshot({ path: join(ART, "intro.png") });
    for (const c of CASES) {
      await analyse(page, c.file);
      const finding = page.locator(`[data-testid=report] [data-finding-id="${c.finding}"]`);
      await finding.waitFor({ timeout: 15_000 });
      await expect.poll(() => page.getByTestId("verdict").getAttribute("data-tone")).toBe(c.tone);
      expect((await page.getByTestId("verdict-text").textContent())!.length).toBeGreaterThan(20);
      expect(await page.getByTestId("verdict").textContent()).toContain(c.file);
      // the file name as the user gave it (not uppercased with the tone label); the time in words
      expect(await page.getByTestId("verdict-file").innerText()).toBe(c.file);
      expect(await page.getByTestId("verdict").innerText()).toMatch(/analysed in (under 10 ms|\d+ ms|\d+\.\d+ s)/);
      // the File was read on the analyzer's reader worker (allowed by the CSP), not its fallback
      expect(await page.getByTestId("verdict").getAttribute("data-reads")).toBe("reader worker");
      // remediation and evidence are there, with copyable filters
      expect(await finding.locator("ol li").count()).toBeGreaterThan(0);
      expect(await finding.locator("[data-copy^='frame.number']").count()).toBe(1);
      // the ladder marks the frame the connection failed on
      const frame = failingFrame(c.file);
      const step = page.locator(`[data-testid=ladder] g.msg[data-frame="${frame}"]`);
      expect(await step.getAttribute("data-fail")).toBe("true");
      expect(await page.locator("[data-testid=ladder] g.msg[data-fail]").count()).toBe(1);
      if (c.file === "tree-bad-share.pcap") {
        // per server: which client failed where
        expect(await page.getByTestId("servers").textContent()).toMatch(/10\.99\.1\.1:445.*10\.99\.1\.2:\d+ at TREE_CONNECT \(STATUS_BAD_NETWORK_NAME\)/);
        await page.screenshot({ path: join(ART, "report-light.png"), fullPage: true });
      }
      if (c.file === "negotiate-no-response.pcap") {
        expect(await page.locator("[data-testid=ladder] g.break").count()).toBeGreaterThan(0); // 20 s of silence drawn as a break
        await page.getByTestId("ladder").screenshot({ path: join(ART, "ladder-no-response.png") });
      }
    }
    // export: JSON is the Report, Markdown has the verdict
    const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
    expect(json.suggestedFilename()).toBe("negotiate-no-response.smbscope.json");
    const report = JSON.parse(readFileSync((await json.path())!, "utf8"));
    expect(report.findings.map((f: { id: string }) => f.id)).toContain("NEGOTIATE_NO_RESPONSE");
    const [md] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-md").click()]);
    expect(readFileSync((await md.path())!, "utf8")).toContain("NEGOTIATE_NO_RESPONSE");
    // the print view of the last report
    await page.emulateMedia({ media: "print" });
    await page.screenshot({ path: join(ART, "report-print.png"), fullPage: true });
    await page.emulateMedia({ media: "screen" });
    // a capture without SMB: the summary lists the busiest ports
    await analyse(page, "krb-preauth-failed.pcap");
    await page.getByTestId("top-ports").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("top-ports").textContent()).toContain("udp/88");
    // the five analyses are in this window's tabs and in history
    expect(await page.locator(".session-tabs button").count()).toBe(5);
    await expect.poll(() => historyCount(page)).toBe(5);
    await ctx.close();
  });

  it("analyses several files given at once, one after the other, and files dropped on the window", async () => {
    const { ctx, page } = await open({ dark: true });
    await analyse(page, ["tcp-rejected.pcap", "tcp-no-answer.pcap", "smb311-ok.pcap"]);
    await expect.poll(() => page.locator(".session-tabs button").count(), { timeout: 15_000 }).toBe(3);
    await expect.poll(() => historyCount(page)).toBe(3);
    expect(await page.getByTestId("verdict").getAttribute("data-tone")).toBe("ok"); // the last one, smb311-ok
    // a drop anywhere on the page
    const bytes = [...readFileSync(join(FIX, "tree-bad-share.pcap"))];
    await page.evaluate((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], "dropped.pcap"));
      for (const type of ["dragenter", "dragover", "drop"]) document.querySelector("main")!.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("verdict").textContent()).toContain("dropped.pcap");
    await page.screenshot({ path: join(ART, "report-dark.png"), fullPage: true });
    await ctx.close();
  });

  it("reads Windows captures: a Network Monitor .cap from the picker, an XPRESS-compressed .etl dropped on the window", async () => {
    const { ctx, page } = await open();
    await analyse(page, "netmon/tree-bad-share.cap");
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("verdict").getAttribute("data-reads")).toBe("reader worker");
    expect(await page.getByTestId("verdict").textContent()).toContain("tree-bad-share.cap");
    // an ndiscap trace from the fixture writer, 3 CPUs, compressed buffers (read with File.slice)
    const etl = join(tmpdir(), `smbscope-e2e-${process.pid}.etl`);
    pcapToEtl(join(FIX, "wrong-password.pcap"), etl, { cpus: 3, bufferSize: 8192, compressed: true });
    const bytes = [...readFileSync(etl)];
    rmSync(etl, { force: true });
    await page.evaluate((b) => {
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(b)], "netsh-trace.etl"));
      for (const type of ["dragenter", "dragover", "drop"]) document.querySelector("main")!.dispatchEvent(new DragEvent(type, { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, bytes);
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("verdict").textContent()).toContain("netsh-trace.etl");
    // the installed app opens them from the file manager
    const manifest = await page.evaluate(async () => (await fetch(document.querySelector<HTMLLinkElement>('link[rel="manifest"]')!.href)).json());
    const exts = manifest.file_handlers.flatMap((h: { accept: Record<string, string[]> }) => Object.values(h.accept).flat());
    expect(exts).toEqual(expect.arrayContaining([".pcap", ".pcapng", ".cap", ".etl"]));
    await ctx.close();
  });

  it("keeps every analysis in history: reload, reopen instantly, same file again, delete", async () => {
    const { ctx, page } = await open();
    await analyse(page, "wrong-password.pcap");
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 15_000 });
    await saved(page);
    await page.reload();
    await expect.poll(() => historyCount(page)).toBe(1);
    await page.getByTestId("nav-history").click();
    const row = page.locator("[data-testid=history-table] tbody tr");
    expect(await row.count()).toBe(1);
    expect(await row.textContent()).toContain("wrong-password.pcap");
    expect(await row.getAttribute("data-sha256")).toBe(require("node:crypto").createHash("sha256").update(readFileSync(join(FIX, "wrong-password.pcap"))).digest("hex"));
    await page.screenshot({ path: join(ART, "history.png"), fullPage: true });
    await row.getByRole("button", { name: /^Open/ }).click();
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 5_000 });
    expect(await page.getByTestId("verdict").textContent()).toContain("saved analysis from");
    // the same capture again: said so, and not stored twice
    await analyse(page, "wrong-password.pcap");
    await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 15_000 }).toContain("already in history");
    expect(await historyCount(page)).toBe(1);
    // delete
    await page.getByTestId("nav-history").click();
    await page.getByTestId("delete").click();
    await expect.poll(() => historyCount(page)).toBe(0);
    await page.reload();
    await expect.poll(() => page.getByTestId("nav-history").textContent()).toContain("(0)");
    // keeping the capture itself (opt-in): re-analyse from history; then clear all
    await page.getByTestId("nav-history").click();
    await page.getByTestId("keep-captures").check();
    await analyse(page, "encrypt-smb21.pcap");
    await page.locator('[data-finding-id="TREE_ACCESS_DENIED_ENCRYPTION"]').waitFor({ timeout: 15_000 });
    await analyse(page, "tcp-rejected.pcap");
    await expect.poll(() => historyCount(page)).toBe(2);
    await page.getByTestId("nav-history").click();
    const kept = page.locator("[data-testid=history-table] tbody tr", { hasText: "encrypt-smb21.pcap" });
    expect(await kept.textContent()).toContain("capture kept");
    await kept.getByRole("button", { name: /^Analyse .* again/ }).click();
    await page.locator('[data-finding-id="TREE_ACCESS_DENIED_ENCRYPTION"]').waitFor({ timeout: 15_000 });
    await page.getByTestId("nav-history").click();
    await page.getByTestId("clear-all").click();
    await page.getByTestId("clear-confirm").click();
    await expect.poll(() => historyCount(page)).toBe(0);
    await ctx.close();
  });

  it("never waits for history: the next file starts while the first is hashed; not saving is a choice; reload shows the last report; delete can be undone", async () => {
    // every SHA-256 for history takes 3 s (a slow disk): the analyses must not wait for it
    const { ctx, page } = await open({ query: "?test-hash-delay=3000" });
    await analyse(page, ["wrong-password.pcap", "tree-bad-share.pcap"]);
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').waitFor({ timeout: 15_000 });
    // the second report is out and the first is still being saved, with its own small status;
    // both are in history already (stored at once, the SHA-256 added when known)
    await expect.poll(() => historyCount(page)).toBe(2);
    expect(await page.getByTestId("save-status").textContent()).toContain("Saving wrong-password.pcap to history");
    expect(await page.getByTestId("progress").count()).toBe(0);
    await expect.poll(() => page.getByTestId("save-status").count(), { timeout: 20_000 }).toBe(0);
    expect(await historyCount(page)).toBe(2);
    // not saving is a choice: said quietly on the report, no error
    await analyse(page, "encrypt-smb21.pcap");
    await page.locator('[data-finding-id="TREE_ACCESS_DENIED_ENCRYPTION"]').waitFor({ timeout: 15_000 });
    await page.getByTestId("dont-save").click();
    await page.getByTestId("not-saved").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("alert-error").count()).toBe(0);
    expect(await page.getByTestId("alerts").textContent()).not.toMatch(/could not be saved/);
    expect(await historyCount(page)).toBe(2);
    // after a reload, the last saved report opened is on screen again
    await page.reload();
    await page.getByTestId("verdict").waitFor({ timeout: 10_000 });
    expect(await page.getByTestId("verdict").textContent()).toContain("tree-bad-share.pcap");
    expect(await page.getByTestId("verdict").textContent()).toContain("saved analysis from");
    // delete, then undo
    await page.getByTestId("nav-history").click();
    await page.locator("[data-testid=history-table] tbody tr", { hasText: "wrong-password.pcap" }).getByTestId("delete").click();
    await expect.poll(() => historyCount(page)).toBe(1);
    await page.getByTestId("alerts").getByRole("button", { name: "Undo" }).click();
    await expect.poll(() => historyCount(page)).toBe(2);
    await page.reload();
    await expect.poll(() => historyCount(page)).toBe(2);
    await page.getByTestId("nav-history").click();
    const back = page.locator("[data-testid=history-table] tbody tr", { hasText: "wrong-password.pcap" });
    await back.getByRole("button", { name: /^Open/ }).click();
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 5_000 });
    await ctx.close();
  });

  it("the empty page: one primary action, a how-to card with port filters, a picker for the formats the app reads", async () => {
    const { ctx, page } = await open();
    await page.getByTestId("intro").waitFor();
    const visible = async (sel: string) => (await Promise.all((await page.locator(sel).all()).map((l) => l.isVisible()))).filter(Boolean).length;
    expect(await visible("button.primary")).toBe(1);
    expect(await page.getByRole("button", { name: /^(Open capture|Choose capture files)/ }).count()).toBe(1);
    const howto = (await page.getByTestId("howto").innerText()).replace(/\s*Copy\s*/g, " ");
    for (const cmd of ["pktmon filter add -p 445", "pktmon filter add -p 88", "netsh trace start capture=yes IPv4.Address=", "tcpdump -i any -w smb.pcap port 445 or port 139 or port 88", "open smb.etl"]) {
      expect(howto).toContain(cmd);
    }
    expect(await page.getByTestId("howto").isVisible()).toBe(true); // a card, not behind a disclosure
    // the picker offers what the decoder reads (pcap, pcapng, Network Monitor .cap, .etl), not .dmp
    const accept = (await page.getByTestId("file-input").getAttribute("accept"))!.split(",");
    expect(accept.filter((a) => !/^(\.pcap|\.pcapng|\.cap|\.etl|application\/vnd\.tcpdump\.pcap)$/.test(a))).toEqual([]);
    // with a report on screen the header's "Open capture…" is the way to the next file
    await analyse(page, "tree-bad-share.pcap");
    await page.getByTestId("verdict").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("open-capture").isVisible()).toBe(true);
    expect(await visible("button.primary")).toBe(1);
    await ctx.close();
  });

  it("the Kerberos table marks the cause and names the client principal; Auth / user shows the Kerberos principal", async () => {
    const { ctx, page } = await open();
    await analyse(page, "krb-spn-unknown.pcap");
    await page.getByTestId("kerberos").waitFor({ timeout: 15_000 });
    const row = (f: number) => page.locator(`[data-testid=kerberos] tbody tr[data-frame="${f}"]`);
    expect(await row(31).locator(".badge").textContent()).toBe("cause");
    expect(await row(2).locator(".badge").textContent()).toBe("normal");
    expect(await page.locator("[data-testid=kerberos] thead").textContent()).toContain("Client principal");
    expect(await row(1).textContent()).toContain("alice@CORP.EXAMPLE.TEST");
    await analyse(page, "krb-smb-ok.pcap");
    await page.locator("[data-testid=connections] tbody tr[data-outcome=ok]").waitFor({ timeout: 15_000 });
    expect(await page.locator("[data-testid=connections] tbody tr").first().textContent()).toContain("Kerberos alice@CORP.EXAMPLE.TEST");
    await ctx.close();
  });

  it("on a phone (390 px): nothing wider than the screen, connections as rows that lead with outcome and failed phase, the ladder scrolls in its own box with labels of 11 px or more, history stacks", async () => {
    const W = 390;
    const { ctx, page } = await open({ width: W });
    const fits = async (where: string) => {
      expect(await page.evaluate(() => document.documentElement.scrollWidth), `page width, ${where}`).toBeLessThanOrEqual(W);
      expect(await overflowing(page, W), where).toEqual([]);
    };
    await fits("empty page");
    for (const file of ["tree-bad-share.pcap", "krb-spn-unknown.pcap"]) {
      await analyse(page, file);
      await page.getByTestId("report-body").waitFor({ timeout: 15_000 });
      await page.getByTestId("verdict-file").filter({ hasText: file }).waitFor();
      // (the rows come from the worker a moment after the report: wait for this report's first one)
      const firstRow = page.locator("[data-testid=connections] tbody tr[data-connection-id]").first();
      await firstRow.waitFor();
      await expect.poll(() => firstRow.getAttribute("data-outcome")).not.toBe("ok");
      await fits(file);
      // the first thing in a connection's row, as drawn: its outcome, then the phase it failed at
      // (polled: the virtualised table may redraw the row as the worker's rows arrive, leaving no laid-out cell for a moment)
      const drawn = () => firstRow.evaluate((tr) => {
        const cells = [...tr.children].map((td) => ({ td, r: td.getBoundingClientRect() })).filter((x) => x.r.width > 0)
          .sort((a, b) => a.r.top - b.r.top || a.r.left - b.r.left);
        return cells.slice(0, 2).map((x) => (x.td as HTMLElement).innerText);
      });
      await expect.poll(async () => (await drawn()).length, { timeout: 10_000 }).toBe(2);
      const first = await drawn();
      expect(first[0]).toMatch(/^(Failed|No response|Incomplete)$/);
      expect(first[1]).toMatch(file === "tree-bad-share.pcap" ? /^TREE_CONNECT\s+STATUS_BAD_NETWORK_NAME/ : /^(–|TCP|NEGOTIATE|SESSION_SETUP|TREE_CONNECT)/);
      // the ladder: its own scroll box, readable text
      const box = page.locator(".ladder-scroll").first();
      expect(await box.evaluate((el) => el.scrollWidth > el.clientWidth)).toBe(true);
      expect((await ladderTextSizes(page)).min).toBeGreaterThanOrEqual(11);
      await page.screenshot({ path: join(ART, `phone-${file.replace(/\.pcap$/, "")}.png`), fullPage: true });
    }
    await page.getByTestId("nav-history").click();
    await expect.poll(() => historyCount(page), { timeout: 15_000 }).toBe(2);
    await fits("history");
    const del = page.getByTestId("delete").first();
    const b = (await del.boundingBox())!;
    expect(b.x + b.width).toBeLessThanOrEqual(W);
    await page.screenshot({ path: join(ART, "phone-history.png"), fullPage: true });
    await ctx.close();
  });

  it("prints the whole report: every finding, every connection, every failing connection's ladder, no controls", async () => {
    // @ts-ignore plain JS module
    const { loadSeeds, kinds, generate } = await import("../bench/gen.mjs");
    const file = join(ART, "print-many.pcap");
    generate(file, { mix: kinds(loadSeeds()).dense.mix.filter((m: { seed: { name: string } }) => m.seed.name.endsWith(".pcap")), replicas: 160, lanes: 16 });
    const { ctx, page } = await open();
    await page.getByTestId("file-input").setInputFiles(file);
    await page.getByTestId("report-body").waitFor({ timeout: 30_000 });
    const count = async (h: string) => Number((await page.locator(`h2#${h}`).textContent())!.match(/\((\d+)/)![1]);
    const findings = await count("findings-h"), connections = await count("conn-h");
    expect(connections).toBeGreaterThan(100); // more rows than the table's box shows
    expect(await page.locator("[data-testid=connections] tbody tr[data-connection-id]").count()).toBeLessThan(connections);
    expect(await page.locator("[data-testid=ladder]").count()).toBe(1);
    await page.emulateMedia({ media: "print" });
    await expect.poll(() => page.locator("[data-testid=connections] tbody tr").count()).toBe(connections);
    expect(await page.locator("[data-testid=connections] tbody tr.spacer").count()).toBe(0);
    expect(await page.locator("[data-finding-id]").count()).toBe(findings);
    const notOk = await page.locator("[data-testid=connections] tbody tr:not([data-outcome=ok])").count();
    expect(notOk).toBeGreaterThan(1);
    console.log(`print: ${findings} findings, ${connections} connections, ${notOk} failing ladders`);
    expect(await page.locator("[data-testid=ladder]").count()).toBe(notOk);
    // no controls on paper (the stream numbers in the table are printed as plain text)
    const controls = await page.evaluate(() => [...document.querySelectorAll("button, details, input, select")]
      .filter((el) => !el.closest("td, th") && (el as HTMLElement).offsetParent !== null).map((el) => el.outerHTML.slice(0, 80)));
    expect(controls).toEqual([]);
    const body = await page.evaluate(() => parseFloat(getComputedStyle(document.body).fontSize));
    expect((await ladderTextSizes(page)).max).toBeLessThanOrEqual(body);
    await page.screenshot({ path: join(ART, "print-many.png") });
    await page.emulateMedia({ media: "screen" });
    await expect.poll(() => page.locator("[data-testid=ladder]").count()).toBe(1);
    await ctx.close();
  });

  it("accessibility: the verdict is a heading that takes the focus, the title names the file, the ladder has a table, one button to pick files", async () => {
    const { ctx, page } = await open();
    // the hidden file input is not a second "choose files" button for a screen reader
    await page.getByTestId("intro").waitFor();
    const snapshot = await page.locator("body").ariaSnapshot();
    expect(snapshot.match(/button "Choose capture files/g) ?? []).toHaveLength(1);
    await analyse(page, "wrong-password.pcap");
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 15_000 });
    const heading = page.getByRole("heading", { level: 2, name: /^Problem found — wrong-password\.pcap/ });
    expect(await heading.count()).toBe(1);
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe("verdict-h");
    expect(await page.title()).toContain("wrong-password.pcap");
    // the ladder's messages as a table, the failing one marked
    const steps = await page.locator("[data-testid=ladder] g.msg").count();
    await page.getByText("The messages as a table").click();
    const rows = page.locator("[data-testid=ladder-table] tbody tr[data-frame]");
    expect(await rows.count()).toBe(steps);
    const failing = page.locator("[data-testid=ladder-table] tr[data-fail]");
    expect(await failing.count()).toBe(1);
    expect(await failing.getAttribute("data-frame")).toBe(String(failingFrame("wrong-password.pcap")));
    expect(await failing.textContent()).toMatch(/Failure: .*STATUS_LOGON_FAILURE/);
    expect(await page.getByRole("table", { name: /^Messages of stream/ }).count()).toBe(1);
    // once saved, the report keeps its place: the focus is not taken back from where the user is
    await page.getByTestId("conn-filter").focus();
    await saved(page);
    await page.waitForTimeout(100);
    expect(await page.evaluate(() => document.activeElement?.getAttribute("data-testid"))).toBe("conn-filter");
    await ctx.close();
  });

  it("lets go of the history database when another tab upgrades it, and says so", async () => {
    const { ctx, page } = await open();
    await expect.poll(() => page.getByTestId("alerts").textContent()).toBe("");
    const other = await ctx.newPage();
    await other.goto(url);
    // a newer version of the app in another tab opens the database at a higher version
    const upgraded = await other.evaluate(() => new Promise<number>((resolve, reject) => {
      const r = indexedDB.open("smbscope", 99);
      r.onsuccess = () => { const v = r.result.version; r.result.close(); resolve(v); };
      r.onerror = () => reject(r.error);
    }));
    expect(upgraded).toBe(99);
    await expect.poll(() => page.getByTestId("alerts").textContent()).toContain("updated in another tab");
    await ctx.close();
  });

  it("says clearly when a file is not a capture, and the next file still works", async () => {
    const { ctx, page } = await open();
    await page.getByTestId("file-input").setInputFiles({ name: "random.bin", mimeType: "application/octet-stream", buffer: randomBytes(64 * 1024) });
    await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 15_000 }).toContain("random.bin is not a packet capture");
    await page.getByTestId("file-input").setInputFiles({ name: "notes.txt", mimeType: "text/plain", buffer: Buffer.from("hello, this is not a pcap file at all\n") });
    await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 15_000 }).toContain("notes.txt is not a packet capture");
    await page.screenshot({ path: join(ART, "error.png") });
    expect(await historyCount(page)).toBe(0);
    await analyse(page, "tree-bad-share.pcap");
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').waitFor({ timeout: 15_000 });
    await ctx.close();
  });

  it("alerts: one list, newest first, none lost beyond five, each dismissable, cleared when a new analysis starts", async () => {
    const { ctx, page } = await open();
    const bad = Array.from({ length: 7 }, (_, i) => ({ name: `bad-${i}.txt`, mimeType: "text/plain", buffer: Buffer.from(`file ${i}: not a capture\n`) }));
    await page.getByTestId("file-input").setInputFiles(bad);
    const alerts = page.locator("[data-testid=alerts] .alert");
    await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 20_000 }).toContain("bad-6.txt is not a packet capture");
    expect(await alerts.count()).toBe(5);
    expect(await alerts.first().textContent()).toContain("bad-6.txt"); // the newest on top
    expect(await page.getByTestId("alerts-more").textContent()).toBe("and 2 more messages");
    await page.getByTestId("alerts-more").click();
    expect(await alerts.count()).toBe(7);
    expect(await alerts.last().textContent()).toContain("bad-0.txt"); // the oldest is still there
    await alerts.nth(1).getByRole("button", { name: "Dismiss this message" }).click();
    expect(await alerts.count()).toBe(6);
    expect(await page.getByTestId("alerts").textContent()).not.toContain("bad-5.txt");
    // a new analysis: what was said about the earlier files goes
    await analyse(page, "tree-bad-share.pcap");
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').waitFor({ timeout: 15_000 });
    expect(await alerts.count()).toBe(0);
    await ctx.close();
  });

  it("an unusable file opened ten times in a row leaves the intro on screen, never a stuck progress panel", async () => {
    const { ctx, page } = await open();
    for (let i = 0; i < 10; i++) {
      await page.getByTestId("file-input").setInputFiles({ name: `notes-${i}.txt`, mimeType: "text/plain", buffer: Buffer.from(`attempt ${i}: this is not a capture\n`) });
      await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 15_000 }).toContain(`notes-${i}.txt is not a packet capture`);
      // a progress message that arrives after the file ended must not bring the panel back
      await page.waitForTimeout(150);
      expect(await page.getByTestId("progress").count(), `progress panel after notes-${i}.txt`).toBe(0);
      expect(await page.getByTestId("intro").isVisible(), `intro after notes-${i}.txt`).toBe(true);
    }
    expect(await historyCount(page)).toBe(0);
    await ctx.close();
  });

  it("an empty capture: a neutral \"nothing to diagnose\", not a green \"no problem found\"", async () => {
    // what tcpdump writes when it records nothing: the 24-byte pcap header
    const empty = Buffer.alloc(24);
    empty.writeUInt32LE(0xa1b2c3d4, 0); empty.writeUInt16LE(2, 4); empty.writeUInt16LE(4, 6); empty.writeUInt32LE(262144, 16); empty.writeUInt32LE(1, 20);
    const { ctx, page } = await open();
    await page.getByTestId("file-input").setInputFiles({ name: "empty.pcap", mimeType: "application/vnd.tcpdump.pcap", buffer: empty });
    await page.getByTestId("verdict").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("verdict").getAttribute("data-tone")).toBe("none");
    const verdict = (await page.getByTestId("verdict").textContent())!;
    expect(verdict).toContain("Nothing to diagnose — empty.pcap");
    expect(verdict).toContain("no packets");
    expect(verdict).not.toContain("No problem found");
    expect(await page.getByTestId("no-smb").textContent()).toContain("the capture holds no packets");
    await page.screenshot({ path: join(ART, "empty-capture.png") });
    await ctx.close();
  });

  for (const mode of ["crash", "trap"] as const) {
    it(`survives a worker ${mode} in the middle of a file: clear message, history intact, next file works`, async () => {
      // slices of 2000 bytes, failing when the third slice is due: wrong-password.pcap (2912 B)
      // needs two slices, tree-bad-share.pcap (5043 B) three
      const { ctx, page } = await open({ query: `?test-slice=2000&test-fail-after=2&test-fail-mode=${mode}` });
      await analyse(page, "wrong-password.pcap");
      await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 15_000 });
      await saved(page);
      const gen = Number(await page.locator(".app").getAttribute("data-worker-generation"));
      await analyse(page, "tree-bad-share.pcap");
      const alert = page.getByTestId("alert-error");
      await alert.waitFor({ timeout: 15_000 });
      const text = await alert.textContent();
      expect(text).toContain("tree-bad-share.pcap");
      expect(text).toMatch(mode === "crash" ? /stopped unexpectedly/ : /internal error/);
      expect(text).toMatch(/restarted/);
      expect(Number(await page.locator(".app").getAttribute("data-worker-generation"))).toBe(gen + 1);
      if (mode === "crash") await page.screenshot({ path: join(ART, "worker-crash.png") });
      expect(await historyCount(page)).toBe(1);
      await analyse(page, "wrong-password.pcap");
      await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 15_000 }).toContain("already in history");
      await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor();
      await ctx.close();
    });
  }

  it("shows progress and cancels a long analysis", async () => {
    // a 4 MB capture (tree-bad-share's packets repeated) read in 16 KiB slices, 40 ms apart:
    // ~10 s if nobody cancels
    const src = readFileSync(join(FIX, "tree-bad-share.pcap"));
    const body = src.subarray(24);
    const big = Buffer.concat([src.subarray(0, 24), ...Array(Math.ceil(4e6 / body.length)).fill(body)]);
    const { ctx, page } = await open({ query: "?test-slice=16384&test-delay=40" });
    await page.getByTestId("file-input").setInputFiles({ name: "big.pcap", mimeType: "application/octet-stream", buffer: big });
    await page.getByTestId("progress").waitFor({ timeout: 10_000 });
    await expect.poll(() => page.getByTestId("progress-stats").textContent(), { timeout: 10_000 }).toMatch(/[1-9]\d?% · .* MB\/s/);
    await page.screenshot({ path: join(ART, "progress.png") });
    await page.getByTestId("cancel").click({ timeout: 5_000 });
    await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 10_000 }).toContain("big.pcap: analysis cancelled");
    expect(await page.getByTestId("progress").count()).toBe(0);
    expect(await historyCount(page)).toBe(0);
    await analyse(page, "wrong-password.pcap");
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 15_000 });
    await ctx.close();
  });

  it("says so when history storage is full, and loses nothing already saved", async () => {
    const { ctx, page } = await open();
    await analyse(page, "wrong-password.pcap");
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 15_000 });
    await saved(page);
    await page.evaluate(() => {
      const quota = () => { throw new DOMException("The quota has been exceeded.", "QuotaExceededError"); };
      IDBObjectStore.prototype.add = quota;
      IDBObjectStore.prototype.put = quota;
    });
    await analyse(page, "tree-bad-share.pcap");
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').waitFor({ timeout: 15_000 }); // still shown
    await expect.poll(() => page.getByTestId("alerts").textContent(), { timeout: 15_000 }).toMatch(/storage for this site is full.*Nothing already in history was lost/);
    await page.reload();
    await expect.poll(() => historyCount(page)).toBe(1);
    await ctx.close();
  });

  it("keeps the report on screen when it is saved to history (no blank frame)", async () => {
    const { ctx, page } = await open();
    // from the first time the findings and tables are drawn, record any moment they are gone
    await page.evaluate(() => {
      const w = window as unknown as { bodyGone: number; bodySeen: boolean };
      w.bodyGone = 0; w.bodySeen = false;
      new MutationObserver(() => {
        const present = !!document.querySelector("[data-testid=report-body]");
        if (present) w.bodySeen = true;
        else if (w.bodySeen) w.bodyGone++;
      }).observe(document.body, { childList: true, subtree: true });
    });
    await analyse(page, "wrong-password.pcap");
    await saved(page);
    await page.waitForTimeout(200);
    expect(await page.evaluate(() => (window as unknown as { bodySeen: boolean }).bodySeen)).toBe(true);
    expect(await page.evaluate(() => (window as unknown as { bodyGone: number }).bodyGone)).toBe(0);
    await ctx.close();
  });

  it("a report shown again (back from history): its verdict and findings in the first frame, its tables in the tasks after", async () => {
    const { ctx, page } = await open();
    await analyse(page, "wrong-password.pcap");
    await saved(page);
    await page.getByTestId("connections").waitFor();
    await page.getByTestId("nav-history").click();
    await page.getByTestId("history").waitFor();
    // what each change of the page shows, from the moment the report is back
    await page.evaluate(() => {
      const w = window as unknown as { seen: { body: boolean; findings: number; table: boolean }[] };
      w.seen = [];
      new MutationObserver(() => {
        if (!document.querySelector("[data-testid=verdict]")) return;
        w.seen.push({ body: !!document.querySelector("[data-testid=report-body]"), findings: document.querySelectorAll("[data-finding-id]").length, table: !!document.querySelector("[data-testid=connections]") });
      }).observe(document.body, { childList: true, subtree: true });
    });
    await page.getByTestId("nav-analyse").click();
    await page.getByTestId("connections").waitFor();
    await page.waitForTimeout(200);
    const seen = await page.evaluate(() => (window as unknown as { seen: { body: boolean; findings: number; table: boolean }[] }).seen);
    // (one task drawing all of a large report at once took 53–74 ms CPU: bench/browser.mjs)
    expect(seen[0]).toMatchObject({ body: true, table: false });
    expect(seen[0].findings).toBeGreaterThan(0);
    expect(seen.every((s) => s.body)).toBe(true);
    expect(seen.at(-1)!.table).toBe(true);
    await ctx.close();
  });

  it("a report of many connections: a virtualised table (its size for screen readers, keyboard), findings grouped, long lists a page at a time", async () => {
    // 400 short SMB setups replicated from the fixtures (bench/gen.mjs: each replica its own
    // addresses), so there are more connections, servers and Kerberos messages than one page
    // @ts-ignore plain JS module
    const { loadSeeds, kinds, generate } = await import("../bench/gen.mjs");
    const file = join(ART, "many-setups.pcap");
    generate(file, { mix: kinds(loadSeeds()).dense.mix.filter((m: { seed: { name: string } }) => m.seed.name.endsWith(".pcap")), replicas: 400, lanes: 32 });
    const { ctx, page } = await open();
    await page.getByTestId("file-input").setInputFiles(file);
    await page.getByTestId("report-body").waitFor({ timeout: 30_000 });
    const rows = page.locator("[data-testid=connections] tbody tr[data-connection-id]");
    await rows.first().waitFor();
    const total = Number((await page.locator("h2#conn-h").textContent())!.match(/\((\d+)/)![1]);
    expect(total).toBeGreaterThan(300);
    // the rows in view are drawn, the table says how many there are and where each row is
    expect(await page.getByTestId("connections").getAttribute("aria-rowcount")).toBe(String(total + 1));
    // (polled: the rows in view arrive from the worker a page at a time; under load the first page can land alone)
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(5);
    const drawn = await rows.count();
    expect(drawn).toBeLessThan(100);
    expect(await rows.first().getAttribute("aria-rowindex")).toBe("2");
    // scrolled to the end, the last row is there
    await page.getByTestId("conn-scroll").evaluate((el) => { el.scrollTop = el.scrollHeight; });
    await page.locator(`[data-testid=connections] tbody tr[aria-rowindex="${total + 1}"][data-connection-id]`).waitFor();
    expect(await rows.count()).toBeLessThan(100);
    // the keyboard: Home and End, arrows, from row to row
    await page.getByTestId("conn-scroll").evaluate((el) => { el.scrollTop = 0; });
    const firstButton = page.locator('[data-testid=connections] tbody tr[aria-rowindex="2"] button');
    await firstButton.focus();
    await page.keyboard.press("ArrowDown");
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest("tr")?.getAttribute("aria-rowindex"))).toBe("3");
    await page.keyboard.press("End");
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest("tr")?.getAttribute("aria-rowindex"))).toBe(String(total + 1));
    await page.keyboard.press("Home");
    await expect.poll(() => page.evaluate(() => document.activeElement?.closest("tr")?.getAttribute("aria-rowindex"))).toBe("2");
    // sorted and filtered in the worker: the first row and the count follow
    await page.locator("[data-testid=connections] thead button", { hasText: /^Outcome$/ }).click(); // the default order, reversed
    await expect.poll(() => rows.first().getAttribute("data-outcome")).toBe("ok");
    await page.getByTestId("conn-outcome").selectOption("problems");
    await expect.poll(() => page.getByTestId("conn-shown").textContent()).toMatch(/^\d[\d,]* of [\d,]+ shown$/);
    expect(await rows.first().getAttribute("data-outcome")).not.toBe("ok");
    await page.getByTestId("conn-filter").fill("STATUS_BAD_NETWORK_NAME");
    await expect.poll(async () => (await rows.first().textContent()) ?? "").toContain("STATUS_BAD_NETWORK_NAME");
    const shown = Number((await page.getByTestId("conn-shown").textContent())!.match(/^([\d,]+)/)![1].replace(/,/g, ""));
    expect(shown).toBeGreaterThan(1);
    expect(shown).toBeLessThan(total);
    // findings: one entry per severity and id, with its count; the first is the verdict's cause; opened, its occurrences
    const groups = page.locator("[data-finding-id]");
    const ids = await groups.evaluateAll((els) => els.map((e) => `${e.className}|${e.getAttribute("data-finding-id")}`));
    expect(new Set(ids).size).toBe(ids.length);
    expect(await groups.first().getAttribute("class")).toContain("cause");
    const big = page.locator("[data-finding-id][data-count]:not([data-count='1'])").first();
    const n = Number(await big.getAttribute("data-count"));
    expect(n).toBeGreaterThan(1);
    expect(await big.getByTestId("finding-count").textContent()).toContain(`${n} times`);
    await big.getByTestId("occurrences-toggle").click();
    await big.getByTestId("occurrences").waitFor();
    expect(await big.locator("[data-testid=occurrences] li").count()).toBe(Math.min(Number(await big.getAttribute("data-listed")), 50));
    // the other long lists: a page, then more on request
    const servers = () => page.locator("[data-testid=servers] tbody tr").count();
    await expect.poll(servers).toBe(50);
    await page.getByTestId("servers-more").click();
    await expect.poll(servers).toBeGreaterThan(50);
    await ctx.close();
  });

  it("a finding on 1,200 connections (a SYN scan, crafted: gen.mjs flood frames) is one group whose occurrences list each connection, with its handshake", async () => {
    const dir = join(tmpdir(), `smbscope-scan-${randomBytes(4).toString("hex")}`);
    mkdirSync(dir, { recursive: true });
    const file = join(dir, "scan.pcap");
    writeFileSync(file, floodPcap(floodFlows(1200, { adversarial: false, port: 445 })));
    const { ctx, page } = await open();
    await page.getByTestId("file-input").setInputFiles(file);
    const g = page.locator('[data-finding-id="TCP_REJECTED"]');
    await g.waitFor({ timeout: 30_000 });
    expect(await page.locator("[data-finding-id]").count()).toBe(1);
    expect(await g.getAttribute("data-count")).toBe("1200");
    expect(await g.getByTestId("finding-count").textContent()).toBe("1,200 times, on 1,200 connections");
    // the Report lists 20 whole and the first 1,000 connections of the rest: the toggle says so
    expect(await g.getByTestId("occurrences-toggle").textContent()).toContain("the first 1,020 of 1,200");
    await g.getByTestId("occurrences-toggle").click();
    const items = g.locator("[data-testid=occurrences] li");
    await expect.poll(() => items.count()).toBe(50);
    await g.getByTestId("occurrences-more").click();
    await expect.poll(() => items.count()).toBe(100);
    // past the 20 whole ones (the first is the card itself), each one a connection of the folded finding, with its handshake
    const later = items.nth(60);
    const text = (await later.textContent())!;
    expect(text).toContain("The same finding, on this connection");
    const [, client, server] = text.match(/(\[[0-9a-f:]+\]:\d+) → (\[2001:db8::10\]:445)/)!;
    await later.getByRole("button", { name: "Show handshake" }).click();
    await page.locator(`[data-testid=ladder][data-connection-id="${client}-${server}"]`).waitFor({ timeout: 10_000 });
    await ctx.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("history: a saved report opens from its compact stored form (columns), and entries saved by older versions (gzip JSON, the Report itself) still open", async () => {
    const { ctx, page } = await open();
    await analyse(page, "wrong-password.pcap");
    await saved(page);
    // the stored form: the digest and the Report in columns, gzip (a Blob), not the Report object
    const stored = await page.evaluate(() => new Promise<{ format: string; isBlob: boolean; size: number }>((resolve, reject) => {
      const q = indexedDB.open("smbscope");
      q.onsuccess = () => {
        const g = q.result.transaction("reports").objectStore("reports").getAll();
        g.onsuccess = () => { const v = g.result[0]; resolve({ format: v.format, isBlob: v.blob instanceof Blob, size: v.blob?.size ?? 0 }); q.result.close(); };
        g.onerror = () => reject(g.error);
      };
    }));
    expect(stored).toMatchObject({ format: "application/vnd.smbscope.columns+gzip", isBlob: true });
    expect(stored.size).toBeGreaterThan(100);
    // an entry as the app wrote them before: the Report object itself in the reports store
    const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
    const report = JSON.parse(readFileSync((await json.path())!, "utf8"));
    // and as the version before the columns wrote them: the Report as gzip JSON beside the digest
    await page.evaluate((r) => new Promise<void>((resolve, reject) => {
      const q = indexedDB.open("smbscope");
      q.onsuccess = () => {
        const get = q.result.transaction("reports").objectStore("reports").getAll();
        get.onsuccess = async () => {
          const { digest, preview } = get.result[0];
          const older = { ...r, capture: { ...r.capture, file: "older-gzip.pcap" } };
          const blob = await new Response(new Blob([JSON.stringify(older)]).stream().pipeThrough(new CompressionStream("gzip"))).blob();
          const tx = q.result.transaction(["entries", "reports"], "readwrite");
          const add = tx.objectStore("entries").add({ name: "older-gzip.pcap", size: 1, sha256: "01".repeat(32), date: 2, verdict: r.verdict, tone: "error", errors: 1, warnings: 0, findingIds: ["LOGON_FAILURE"], packets: r.capture.packets, hasCapture: false });
          add.onsuccess = () => tx.objectStore("reports").put({ format: "application/json+gzip", digest: { ...digest, head: older.capture ? { ...digest.head, capture: older.capture } : digest.head }, blob, preview }, add.result as number);
          tx.oncomplete = () => { q.result.close(); resolve(); };
          tx.onerror = () => reject(tx.error);
        };
      };
    }), report);
    await page.evaluate((r) => new Promise<void>((resolve, reject) => {
      const q = indexedDB.open("smbscope");
      q.onsuccess = () => {
        const tx = q.result.transaction(["entries", "reports"], "readwrite");
        const add = tx.objectStore("entries").add({ name: "older.pcap", size: 1, sha256: "00".repeat(32), date: 1, verdict: r.verdict, tone: "error", errors: 1, warnings: 0, findingIds: ["LOGON_FAILURE"], packets: r.capture.packets, hasCapture: false });
        add.onsuccess = () => tx.objectStore("reports").put({ ...r, capture: { ...r.capture, file: "older.pcap" } }, add.result as number);
        tx.oncomplete = () => { q.result.close(); resolve(); };
        tx.onerror = () => reject(tx.error);
      };
    }), report);
    await page.reload();
    await page.getByTestId("nav-history").click();
    await page.locator("[data-testid=history-table] tbody tr", { hasText: "older.pcap" }).getByRole("button", { name: /^Open/ }).click();
    await page.getByTestId("verdict-file").filter({ hasText: "older.pcap" }).waitFor({ timeout: 10_000 });
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 10_000 });
    await page.locator("[data-testid=connections] tbody tr[data-connection-id]").first().waitFor({ timeout: 10_000 });
    // the gzip JSON one: its rows, sorted by the worker (which reads the gzip JSON), and a ladder
    await page.getByTestId("nav-history").click();
    await page.locator("[data-testid=history-table] tbody tr", { hasText: "older-gzip.pcap" }).getByRole("button", { name: /^Open/ }).click();
    await page.getByTestId("verdict-file").filter({ hasText: "older-gzip.pcap" }).waitFor({ timeout: 10_000 });
    await page.locator('[data-finding-id="LOGON_FAILURE"]').waitFor({ timeout: 10_000 });
    const firstRow = page.locator("[data-testid=connections] tbody tr[data-connection-id]").first();
    await firstRow.waitFor({ timeout: 10_000 });
    await page.locator("[data-testid=connections] thead button", { hasText: /^Client$/ }).click();
    await expect.poll(() => page.locator("[data-testid=connections] thead th[aria-sort=ascending]").count(), { timeout: 10_000 }).toBe(1);
    await expect.poll(() => firstRow.getAttribute("data-connection-id"), { timeout: 10_000 }).toBe(report.connections[0].id);
    // exported from the worker, which read it: the same Report
    const exported = async () => {
      const [dl] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
      return JSON.parse(readFileSync((await dl.path())!, "utf8"));
    };
    expect(await exported()).toEqual({ ...report, capture: { ...report.capture, file: "older-gzip.pcap" } });
    // and the one saved in columns, reopened after the reload: the same Report as before it was saved
    await page.getByTestId("nav-history").click();
    await page.locator("[data-testid=history-table] tbody tr", { hasText: "wrong-password.pcap" }).getByRole("button", { name: /^Open/ }).click();
    await page.getByTestId("verdict-file").filter({ hasText: "wrong-password.pcap" }).waitFor({ timeout: 10_000 });
    await page.locator("[data-testid=connections] tbody tr[data-connection-id]").first().waitFor({ timeout: 10_000 });
    expect(await exported()).toEqual(report);
    expect(pageErrors).toEqual([]);
    await ctx.close();
  });

  it("Decrypt panel: the user's password, used in the worker, shows the TREE_CONNECTs SMB3 encryption hid; a wrong one says so; the password is kept nowhere", async () => {
    const PASSWORD = "Alice-Pw-1"; // fixtures/INDEX.md: smbclient user alice
    const { ctx, page } = await open();
    // encrypt-smb3-global.pcap: server-wide encryption, every TREE_CONNECT inside TRANSFORM messages
    await analyse(page, "encrypt-smb3-global.pcap");
    await page.locator("[data-testid=report] [data-finding-id=ENCRYPTED_TRAFFIC]").waitFor({ timeout: 15_000 });
    await saved(page);
    const panel = page.getByTestId("decrypt-panel");
    expect(await page.getByTestId("decrypt-password").getAttribute("type")).toBe("password");
    expect(await page.getByTestId("decrypt-password").getAttribute("autocomplete")).toBe("off");
    expect(await page.getByTestId("decrypt-keytab").isDisabled()).toBe(false);
    await page.locator("[data-testid=connections] tbody tr[data-connection-id]").first().waitFor({ timeout: 15_000 }); // the rows come from the worker
    expect(await page.getByTestId("connections").textContent()).not.toContain("\\10.99.1.1\\public");
    // a wrong password: said plainly, nothing decrypted
    await page.getByTestId("decrypt-password").fill("Alice-Pw-2");
    await page.getByTestId("decrypt-run").click();
    await page.getByTestId("decrypt-results").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("decrypt-results").textContent()).toContain("wrong secret");
    await panel.screenshot({ path: join(ART, "decrypt-panel.png") });
    expect(await page.getByTestId("decrypt-password").inputValue()).toBe("");
    // the right one: the hidden TREE_CONNECTs, decrypted in the worker
    await page.getByTestId("decrypt-password").fill(PASSWORD);
    await page.getByTestId("decrypt-run").click();
    await page.locator("[data-testid=report] [data-finding-id=ENCRYPTED_TRAFFIC_DECRYPTED]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=connections] tbody tr[data-connection-id]", { hasText: "\\10.99.1.1\\public" }).first().waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("decrypt-password").count()).toBe(0); // nothing left encrypted: no panel
    expect(await page.getByTestId("not-saved").count()).toBe(1); // the decrypted analysis is not saved to history
    expect(await page.locator("[data-testid=ladder]").textContent()).toContain("(decrypted)");
    // exported, the Report names the kind of secret, never the secret
    const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
    const text = readFileSync((await json.path())!, "utf8");
    expect(JSON.parse(text).connections[0].decryption.sessions[0]).toMatchObject({ secret: "password", result: "decrypted" });
    expect(text).not.toContain(PASSWORD);
    // history (IndexedDB, every store of every database) holds neither password
    const stored = await page.evaluate(async () => {
      const out: string[] = [];
      for (const info of await indexedDB.databases()) {
        const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open(info.name!); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
        for (const name of [...db.objectStoreNames]) {
          const all = await new Promise<unknown[]>((res, rej) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
          out.push(JSON.stringify(all, (_k, v) => (v instanceof Blob ? `blob:${v.size}` : typeof v === "bigint" ? String(v) : v)));
        }
        db.close();
      }
      return out.join("\n");
    });
    expect(stored.length).toBeGreaterThan(100);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain("Alice-Pw-2");
    await ctx.close();
  });

  it("Decrypt panel: the server's keytab, read in the worker, opens a Kerberos session's encryption; a damaged one is named; no key is kept", async () => {
    // enc-krb-smb311.pcap: a Kerberos session to a Samba AD DC that encrypts everything after SESSION_SETUP
    const KEYTAB = join(FIX, "enc-krb-smb311.keytab");
    const sessionKey = readFileSync(join(FIX, "enc-krb-smb311.session-key.txt"), "utf8").trim().split(":")[1];
    const { ctx, page } = await open();
    await analyse(page, "enc-krb-smb311.pcap");
    await page.locator("[data-testid=report] [data-finding-id=ENCRYPTED_TRAFFIC]").waitFor({ timeout: 15_000 });
    await saved(page);
    expect(await page.getByTestId("decrypt-panel").textContent()).toContain("keytab");
    await page.locator("[data-testid=connections] tbody tr[data-connection-id]").first().waitFor({ timeout: 15_000 }); // the rows come from the worker
    expect(await page.getByTestId("connections").textContent()).not.toContain("netlogon");
    // a file that is no keytab: said, with the offset, and the input is emptied
    await page.getByTestId("decrypt-keytab").setInputFiles({ name: "notes.keytab", mimeType: "application/octet-stream", buffer: Buffer.from("[libdefaults]\n") });
    await page.getByTestId("decrypt-run").click();
    await page.getByText("notes.keytab: starts with 5b 6c, not a keytab").waitFor({ timeout: 15_000 });
    expect(await page.getByTestId("decrypt-keytab").inputValue()).toBe("");
    // the keytab: the TREE_CONNECTs (IPC$, netlogon) the encryption hid
    await page.getByTestId("decrypt-keytab").setInputFiles(KEYTAB);
    await page.getByTestId("decrypt-run").click();
    await page.locator("[data-testid=report] [data-finding-id=ENCRYPTED_TRAFFIC_DECRYPTED]").waitFor({ timeout: 15_000 });
    await page.locator("[data-testid=connections] tbody tr[data-connection-id]", { hasText: "\\dc1.corp.example.test\\netlogon" }).first().waitFor({ timeout: 15_000 });
    const [json] = await Promise.all([page.waitForEvent("download"), page.getByTestId("export-json").click()]);
    const text = readFileSync((await json.path())!, "utf8");
    expect(JSON.parse(text).connections[0].decryption.sessions[0]).toMatchObject({ secret: "keytab", result: "decrypted", user: "alice@CORP.EXAMPLE.TEST" });
    expect(text).not.toContain(sessionKey);
    // neither the keytab nor the key it gave is in history (IndexedDB)
    const stored = await page.evaluate(async () => {
      const out: string[] = [];
      for (const info of await indexedDB.databases()) {
        const db = await new Promise<IDBDatabase>((res, rej) => { const r = indexedDB.open(info.name!); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
        for (const name of [...db.objectStoreNames]) {
          const all = await new Promise<unknown[]>((res, rej) => { const r = db.transaction(name).objectStore(name).getAll(); r.onsuccess = () => res(r.result); r.onerror = () => rej(r.error); });
          out.push(JSON.stringify(all, (_k, v) => (v instanceof Blob ? `blob:${v.size}` : v instanceof Uint8Array ? Array.from(v, (x) => x.toString(16).padStart(2, "0")).join("") : typeof v === "bigint" ? String(v) : v)));
        }
        db.close();
      }
      return out.join("\n");
    });
    expect(stored.length).toBeGreaterThan(100);
    expect(stored).not.toContain(sessionKey);
    const keys = parseKeytab(new Uint8Array(readFileSync(KEYTAB)));
    expect(keys.kind).toBe("keytab");
    for (const k of keys.kind === "keytab" ? keys.entries : []) expect(stored).not.toContain(Array.from(k.key, (x) => x.toString(16).padStart(2, "0")).join(""));
    await ctx.close();
  });

  it("works offline once loaded: the app, its workers, the decoder and the sample come from the service worker", async () => {
    const { ctx, page } = await open();
    await page.evaluate(async () => { await navigator.serviceWorker.ready; });
    await expect.poll(() => page.evaluate(() => !!navigator.serviceWorker.controller), { timeout: 10_000 }).toBe(true);
    await ctx.setOffline(true);
    await page.reload();
    await page.getByTestId("sample").click();
    await page.locator('[data-finding-id="TREE_BAD_NETWORK_NAME"]').waitFor({ timeout: 15_000 });
    await analyse(page, "encrypt-smb21.pcap");
    await page.locator('[data-finding-id="TREE_ACCESS_DENIED_ENCRYPTION"]').waitFor({ timeout: 15_000 });
    // the reader worker came from the cache too (not the slower fallback)
    expect(await page.getByTestId("verdict").getAttribute("data-reads")).toBe("reader worker");
    await ctx.close();
  });

  it("never sends a request off this machine (page requests and Chromium's network log)", async () => {
    // (also on its own: one analysis, the sample, the history view)
    const { ctx, page } = await open();
    await analyse(page, "encrypt-smb21.pcap");
    await page.locator('[data-finding-id="TREE_ACCESS_DENIED_ENCRYPTION"]').waitFor({ timeout: 15_000 });
    await page.getByTestId("nav-analyse").click();
    await page.getByTestId("nav-history").click();
    await ctx.close();
    const off = requests.filter((u) => !u.startsWith(`${origin}/`) && !/^(blob|data):/.test(u));
    expect(off).toEqual([]);
    expect(requests.length).toBeGreaterThan(5);
    expect(pageErrors).toEqual([]);
    await browser!.close();
    browser = null;
    const log = readNetLog(netLog);
    const local = (a: string) => /^(127\.0\.0\.1|\[::1\])(:\d+)?$/.test(a);
    // every socket connected to this machine (the IPv6 probe sends nothing, see support.ts)
    expect(log.connects.filter((c) => c.type === "TCP_CONNECT_ATTEMPT").length).toBeGreaterThan(0);
    expect(log.connects.filter((c) => !local(c.address) && c.address !== IPV6_PROBE)).toEqual([]);
    // every name resolution was for 127.0.0.1, or was turned into ~NOTFOUND by --host-resolver-rules
    // (Chromium's own background requests: update, sign-in, autofill), so no DNS query went out
    expect(log.resolves.filter((h) => !/^(https?:\/\/)?(127\.0\.0\.1(:\d+)?|~notfound)$/i.test(h))).toEqual([]);
    // and every request made by the app's pages and workers was to its own origin
    const appRequests = log.requests.filter((r) => r.app);
    expect(appRequests.length).toBeGreaterThan(5);
    expect(appRequests.filter((r) => !r.url.startsWith(`${origin}/`))).toEqual([]);
  });
});
