// What a pktmon trace says besides its packets: the components (event 20) with the properties
// and addresses of the rundown (30, 65, 66, 70), and the drops (170). Components are joined by id
// here; each network adapter gets the addresses of the components bound to it (their
// MiniportIfIndex is the adapter's IfIndex), so the report can say which NIC, MAC and IP
// addresses the analysed copies came from, and where a drop happened. Drops are tied to the SMB
// connections they hit by addresses and ports (either direction). Bounded: MAX_COMPONENTS
// components, MAX_DROPS drops kept (all counted).
import * as C from "../../../assembly/events";
import { endpoint, ipText } from "../names";
import { PROP_IFINDEX, PROP_MINIPORT_IFINDEX, PROP_PHYS_ADDRESS, ADAPTER_TYPES, dropReasonName, dropReasonText } from "../pktmon";
import type { RawEvent } from "../decoder/records";
import type { CaptureModel, PktmonComponent, PktmonDrop, PktmonModel } from "./types";
import { appended } from "./lists";
import type { PktmonInfo } from "../report";

const MAX_COMPONENTS = 4096;
const MAX_ADDRESSES = 16; // per component
const MAX_DROPS = 10_000;
const MAX_DROP_PAIRS = 1000; // (component, reason) pairs counted
const tsMs = (ns: bigint) => Number(ns / 1000n) / 1000;

export function emptyPktmon(): PktmonModel {
  return { components: new Map(), drops: [], dropCount: 0, dropCounts: new Map(), analysed: null };
}

function component(p: PktmonModel, id: number): PktmonComponent | null {
  let c = p.components.get(id);
  if (!c) {
    if (p.components.size >= MAX_COMPONENTS) return null;
    p.components.set(id, (c = { id, type: null, name: null, description: null, ifIndex: null, miniportIfIndex: null, mac: null, addresses: [] }));
  }
  return c;
}

const macText = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join(":");

/** One EV_PKTMON_INFO (a rundown event). */
export function pktmonInfo(p: PktmonModel, ev: RawEvent): void {
  const f = ev.f;
  const c = component(p, f.pktmonComponent as number);
  if (!c) return;
  const kind = f.pktmonEvent as number, type = f.value as number;
  if (kind === 20) {
    c.type = type;
    c.name = (f.winName as string | undefined) || null;
    c.description = (f.winDesc as string | undefined) || null;
  } else if (kind === 30) {
    if (type === PROP_IFINDEX) c.ifIndex = f.value2 as number;
    else if (type === PROP_MINIPORT_IFINDEX) c.miniportIfIndex = f.value2 as number;
  } else if (kind === 65 || kind === 66) {
    const b = f.pktmonAddr as Uint8Array | undefined;
    if (!b) return;
    const a16 = new Uint8Array(16);
    if (b.length === 4) { a16[10] = 0xff; a16[11] = 0xff; a16.set(b, 12); } else if (b.length === 16) a16.set(b); else return;
    const t = ipText(a16);
    if (!c.addresses.includes(t) && c.addresses.length < MAX_ADDRESSES) c.addresses.push(t);
  } else if (kind === 70 && type === PROP_PHYS_ADDRESS) {
    const b = f.pktmonAddr as Uint8Array | undefined;
    if (b && b.length === 6) c.mac = macText(b);
  }
}

/** One EV_PKTMON_DROP. */
export function pktmonDrop(p: PktmonModel, ev: RawEvent): void {
  const f = ev.f;
  p.dropCount++;
  const key = `${f.pktmonComponent as number}|${f.dropReason as number}`;
  // (a damaged trace could name millions of pairs: past MAX_DROP_PAIRS, only the known ones count)
  const n = p.dropCounts.get(key);
  if (n !== undefined || p.dropCounts.size < MAX_DROP_PAIRS) p.dropCounts.set(key, (n ?? 0) + 1);
  if (p.drops.length >= MAX_DROPS) return;
  const proto = f.transport === C.PROTO_TCP ? "tcp" : f.transport === C.PROTO_UDP ? "udp" : null;
  const src = f.srcIp ? ipText(f.srcIp as Uint8Array) : null, dst = f.dstIp ? ipText(f.dstIp as Uint8Array) : null;
  p.drops.push({
    frame: ev.frame, ts: tsMs(ev.tsNs), component: f.pktmonComponent as number, reason: f.dropReason as number,
    location: f.dropLocation as number, direction: f.pktmonDir as number, proto,
    src: src !== null && proto ? endpoint(src, f.srcPort as number) : src, dst: dst !== null && proto ? endpoint(dst, f.dstPort as number) : dst,
    tcpFlags: (f.tcpFlags as number | undefined) ?? null, len: (f.len as number | undefined) ?? null,
    smb: f.smbVersion !== undefined ? { version: f.smbVersion as number, cmd: (f.cmd as number | undefined) ?? null, response: f.response === 1 } : null,
    krbMsgType: (f.krbMsgType as number | undefined) ?? null,
  });
}

/** The network adapter a component belongs to (itself, or the one whose IfIndex is its MiniportIfIndex). */
export function adapterOf(p: PktmonModel, id: number): PktmonComponent | null {
  const c = p.components.get(id);
  if (!c) return null;
  if (c.type !== null && ADAPTER_TYPES.has(c.type)) return c;
  if (c.miniportIfIndex === null) return null;
  for (const a of p.components.values()) if (a.type === 2 && a.ifIndex === c.miniportIfIndex) return a;
  return null;
}

/** The IP addresses of an adapter: its own and those of the components bound to it. */
export function adapterAddresses(p: PktmonModel, a: PktmonComponent): string[] {
  const out = [...a.addresses];
  if (a.ifIndex !== null) {
    for (const c of p.components.values()) {
      if (c.miniportIfIndex !== a.ifIndex) continue;
      for (const x of c.addresses) if (!out.includes(x)) out.push(x);
    }
  }
  const v6 = (x: string) => x.includes(":");
  return [...out.filter((x) => !v6(x)), ...out.filter(v6)];
}

/** "component 60 (wfplwfs.sys, WFP Native MAC Layer LightWeight Filter)" */
export function componentText(p: PktmonModel, id: number): string {
  const c = p.components.get(id);
  const n = [c?.name, c?.description].filter((x) => x).join(", ");
  return `component ${id}${n ? ` (${n})` : ""}`;
}

/** "dropped by component 60 (wfplwfs.sys, …) on Microsoft Hyper-V Network Adapter #3: <reason>" */
export function dropText(p: PktmonModel, d: PktmonDrop): string {
  const a = adapterOf(p, d.component);
  const on = a && a.id !== d.component ? ` on ${a.description ?? a.name ?? `adapter ${a.id}`}` : "";
  const name = dropReasonName(d.reason);
  return `dropped by ${componentText(p, d.component)}${on}: ${dropReasonText(d.reason)}${name ? ` (${name}, code ${d.reason})` : ""}`;
}

/** Ties each drop to the SMB connection with its addresses and ports (after the model is built). */
export function attachDrops(m: CaptureModel): void {
  const p = m.pktmon;
  if (!p || p.drops.length === 0) return;
  const byPair = new Map<string, CaptureModel["connections"][number]>();
  for (const c of m.connections) { byPair.set(`${c.client}-${c.server}`, c); byPair.set(`${c.server}-${c.client}`, c); }
  for (const d of p.drops) {
    if (d.proto !== "tcp" || d.src === null || d.dst === null) continue;
    const c = byPair.get(`${d.src}-${d.dst}`);
    if (!c) continue;
    (c.drops ??= []).push(d);
    // the drop belongs in the connection's ladder, where it happened
    if (!c.ladderDropped) {
      const comp = p.components.get(d.component);
      c.ladder = appended(c.ladder, { frame: d.frame, ts: d.ts, fromClient: d.src === c.client, label: `dropped by ${comp?.name ?? `pktmon component ${d.component}`}: ${dropReasonText(d.reason)}`, kind: "tcp", error: true });
      c.ladder.sort((a, b) => a.frame - b.frame);
    }
  }
}

/** The Report's capture line for the drops: counts per component and reason, most first. */
export function dropSummary(p: PktmonModel): { component: number; name: string | null; reason: number; reasonName: string | null; reasonText: string; count: number }[] {
  return [...p.dropCounts].map(([k, count]) => {
    const [component, reason] = k.split("|").map(Number);
    const c = p.components.get(component);
    return { component, name: [c?.name, c?.description].filter((x) => x).join(", ") || null, reason, reasonName: dropReasonName(reason), reasonText: dropReasonText(reason), count };
  }).sort((a, b) => b.count - a.count || a.component - b.component || a.reason - b.reason);
}

/** The capture warnings of a pktmon trace: which adapter's copies are analysed (with its MAC and
 *  addresses), and the drops counted per component and reason. */
export function pktmonWarnings(m: CaptureModel): void {
  const p = m.pktmon!;
  if (p.analysed) {
    const a = adapterOf(p, p.analysed.component);
    const facts = a ? [a.mac ? `MAC ${a.mac}` : null, ...adapterAddresses(p, a)].filter((x) => x) : [];
    m.warnings.unshift(facts.length ? `${p.analysed.text} That adapter: ${facts.join(", ")}.` : p.analysed.text);
  }
  if (p.dropCount > 0) {
    const parts = dropSummary(p).slice(0, 10).map((d) => `${d.count} by ${componentText(p, d.component)}: ${d.reasonText}${d.reasonName ? ` (${d.reasonName})` : ""}`);
    const more = p.dropCounts.size > 10 ? `; and ${p.dropCounts.size - 10} other component/reason pairs` : "";
    m.warnings.push(`${m.file}: pktmon reports ${p.dropCount} dropped packet${p.dropCount > 1 ? "s" : ""} (event 170): ${parts.join("; ")}${more}. Drops keep their frame numbers; a packet dropped before it reached the analysed adapter is analysed as sent.`);
  }
}

/** The Report's capture.pktmon. */
export function pktmonReport(p: PktmonModel): PktmonInfo {
  const analysed = p.analysed ? adapterOf(p, p.analysed.component) : null;
  const adapters = [...p.components.values()].filter((c) => c.type === 2).sort((a, b) => a.id - b.id).map((a) => ({
    component: a.id, name: a.name, description: a.description, ifIndex: a.ifIndex, mac: a.mac, addresses: adapterAddresses(p, a), analysed: analysed === a,
  }));
  return { analysedComponent: p.analysed?.component ?? null, copiesSkipped: p.analysed?.skipped ?? 0, adapters, drops: p.dropCount, dropsBy: dropSummary(p) };
}
