// Every Wireshark display filter smbscope shows (the page, the Markdown export, the CLI, the
// Report's `filter`) is built here, so that all of them follow the syntax of the Wireshark an admin
// has installed. Since Wireshark 4.0 the members of a set are separated by commas (`{18,19}`; the
// old `{18 19}` is a syntax error) and a set may hold ranges (`{25..30}`). Values come only from
// numbers and parsed IP addresses, never from raw capture text, so a filter cannot be made to say
// something else. tests/filters-tshark.test.ts runs every filter of every fixture through tshark.

export interface FilterSpec {
  /** `tcp.stream eq N` (Wireshark's stream number; negative or null: left out) */
  stream?: number | null;
  /** exactly these frames: `frame.number == N` or `frame.number in {…}` */
  frames?: readonly number[];
  /** this frame and every later one: `frame.number >= N` */
  fromFrame?: number;
  /** Kerberos errors with these codes: `kerberos.error_code == N` or `in {…}` */
  kerberosErrors?: readonly (number | null | undefined)[];
  /** packets from or to this address: `ip.addr == …` or `ipv6.addr == …` */
  host?: string | null;
  /** UDP packets from or to this port: `udp.port == N` (a QUIC flow) */
  udpPort?: number | null;
}

/** The display filter for `spec`: its parts joined with `&&`; "" when there is nothing to filter on. */
export function displayFilter(spec: FilterSpec): string {
  const parts: string[] = [];
  if (isCount(spec.stream)) parts.push(`tcp.stream eq ${spec.stream}`);
  if (spec.frames) parts.push(member("frame.number", spec.frames.filter((n) => isCount(n) && n > 0)));
  if (isCount(spec.fromFrame) && spec.fromFrame > 0) parts.push(`frame.number >= ${spec.fromFrame}`);
  if (spec.kerberosErrors) parts.push(member("kerberos.error_code", spec.kerberosErrors.filter(isCount)));
  const addr = spec.host ? addressField(spec.host) : "";
  if (addr) parts.push(`${addr} == ${spec.host}`);
  if (isCount(spec.udpPort) && spec.udpPort <= 65535) parts.push(`udp.port == ${spec.udpPort}`);
  return parts.filter(Boolean).join(" && ");
}

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isSafeInteger(n) && n >= 0;

/** `field == n` for one value, `field in {a,b,c..d}` for more (runs of three or more as ranges). */
function member(field: string, values: number[]): string {
  const v = [...new Set(values)].sort((a, b) => a - b);
  if (v.length === 0) return "";
  if (v.length === 1) return `${field} == ${v[0]}`;
  const out: string[] = [];
  for (let i = 0; i < v.length;) {
    let j = i;
    while (j + 1 < v.length && v[j + 1] === v[j] + 1) j++;
    if (j - i >= 2) out.push(`${v[i]}..${v[j]}`);
    else for (let k = i; k <= j; k++) out.push(String(v[k]));
    i = j + 1;
  }
  return `${field} in {${out.join(",")}}`;
}

/** Which field matches an address ("" when it is not an IP address literal). */
function addressField(a: string): "ip.addr" | "ipv6.addr" | "" {
  if (/^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/.test(a)) return "ip.addr";
  if (/^[0-9a-fA-F:.]+$/.test(a) && a.includes(":") && a.length <= 45) return "ipv6.addr";
  return "";
}

/**
 * A filter saved by an earlier version (a Report in the browser's history) in the syntax
 * Wireshark 4.0 rejects, `in {18 19}`, rewritten as `in {18,19}`; any other text is returned as is.
 */
export function upgradeFilter(filter: string): string {
  return filter.replace(/\bin \{(\d+(?: +\d+)+)\}/g, (_, list: string) => `in {${list.split(/ +/).join(",")}}`);
}
