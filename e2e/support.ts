// Serves the built app (dist/app) with the production CSP header, and drives Debian's Chromium.
import { preview, type PreviewServer } from "vite";
import { chromium, type Browser } from "playwright-core";
import { existsSync, readFileSync } from "node:fs";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const haveChromium = existsSync(CHROMIUM);

export async function startApp(): Promise<{ server: PreviewServer; url: string }> {
  const server = await preview({ preview: { port: 0, host: "127.0.0.1", strictPort: false }, logLevel: "silent" });
  const url = server.resolvedUrls?.local[0];
  if (!url) throw new Error("preview server has no URL");
  return { server, url };
}

export interface LaunchOptions {
  /** write Chromium's network log (every socket and DNS lookup) to this file */
  netLog?: string;
}

export async function launch(opts: LaunchOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
      "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
      // Chromium asks Google about every page with a form field (autofill "page" queries):
      // the app's search box would make the network log look like the app's own request
      "--disable-features=AutofillServerCommunication",
      ...(opts.netLog ? [`--log-net-log=${opts.netLog}`, "--net-log-capture-mode=Default"] : []),
    ],
  });
}

export interface NetLogSummary {
  /** remote address of every TCP connection attempt and UDP "connect" */
  connects: { type: string; address: string }[];
  /** every host name the resolver was asked for (after --host-resolver-rules mapping) */
  resolves: string[];
  /**
   * every URL request; `app` when its network isolation key names 127.0.0.1, i.e. it was made for
   * a page or worker of the app (Chromium's own background requests carry other keys or none)
   */
  requests: { url: string; app: boolean }[];
}

/**
 * Chromium probes IPv6 reachability by connect()ing a UDP socket to this address and reading the
 * local address back: a routing-table lookup, no datagram is sent.
 */
export const IPV6_PROBE = "[2001:4860:4860::8888]:443";

/** Reads a Chromium --log-net-log file (after the browser closed; tolerates a missing tail). */
export function readNetLog(path: string): NetLogSummary {
  let text = readFileSync(path, "utf8").trim();
  type Ev = { type: number; params?: Record<string, unknown> };
  let log: { constants: { logEventTypes: Record<string, number> }; events?: Ev[] };
  try { log = JSON.parse(text); } catch {
    text = text.replace(/,\s*$/, "");
    log = JSON.parse(text.endsWith("]}") ? text : `${text}]}`);
  }
  const names = new Map(Object.entries(log.constants.logEventTypes).map(([k, v]) => [v, k]));
  const out: NetLogSummary = { connects: [], resolves: [], requests: [] };
  for (const ev of log.events ?? []) {
    const p = ev.params ?? {};
    const type = names.get(ev.type) ?? String(ev.type);
    if (type === "TCP_CONNECT_ATTEMPT" || type === "UDP_CONNECT" || type === "SOCKET_CONNECT") {
      if (typeof p.address === "string") out.connects.push({ type, address: p.address });
    } else if (type === "TCP_CONNECT" && typeof p.remote_address === "string") {
      out.connects.push({ type, address: p.remote_address });
    } else if (type === "HOST_RESOLVER_MANAGER_REQUEST" && typeof p.host === "string") {
      out.resolves.push(p.host);
    } else if (type === "URL_REQUEST_START_JOB" && typeof p.url === "string") {
      const nik = String(p.network_isolation_key ?? "");
      out.requests.push({ url: p.url, app: /\bhttps?:\/\/127\.0\.0\.1\b/.test(nik) });
    }
  }
  return out;
}

/**
 * Elements whose right edge is beyond `width` (the viewport), except inside a box that scrolls
 * sideways on its own and itself fits (the ladder, wide tables): what a reader would have to
 * scroll the whole page sideways to see. Each as "tag.class: right edge".
 */
export function overflowing(page: import("playwright-core").Page, width: number): Promise<string[]> {
  return page.evaluate((vw) => {
    const out: string[] = [];
    const scrollsOwn = (el: Element) => { const o = getComputedStyle(el).overflowX; return o === "auto" || o === "scroll" || o === "hidden" || o === "clip"; };
    for (const el of document.body.querySelectorAll("*")) {
      const r = el.getBoundingClientRect();
      if (!r.width || r.right <= vw + 0.5) continue;
      let inner = false;
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        if (scrollsOwn(a) && a.getBoundingClientRect().right <= vw + 0.5) { inner = true; break; }
      }
      const cls = el.getAttribute("class");
      if (!inner && getComputedStyle(el).visibility !== "hidden" && !el.closest(".sr-only")) out.push(`${el.tagName.toLowerCase()}${cls ? `.${cls.split(" ").join(".")}` : ""}: ${Math.round(r.right)}`);
    }
    return out;
  }, width);
}

/** The smallest and the largest text in the ladder diagrams as drawn, in CSS px (font size × the SVG's scale). */
export function ladderTextSizes(page: import("playwright-core").Page): Promise<{ min: number; max: number }> {
  return page.evaluate(() => {
    let min = Infinity, max = 0;
    for (const svg of document.querySelectorAll<SVGSVGElement>("[data-testid=ladder-svg]")) {
      const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
      for (const t of svg.querySelectorAll("text")) {
        if (!t.textContent) continue;
        const px = parseFloat(getComputedStyle(t).fontSize) * scale;
        min = Math.min(min, px);
        max = Math.max(max, px);
      }
    }
    return { min, max };
  });
}
