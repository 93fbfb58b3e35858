// Reads the tshark field dumps that sit beside every capture (fixtures/ and ../shared/corpus):
// header line of field names, '|' between fields, ',' between occurrences within one packet.
import { readFileSync } from "node:fs";

export type TsharkRow = Record<string, string[]>;

export function readTsv(path: string): Map<number, TsharkRow> {
  const lines = readFileSync(path, "utf8").split("\n").filter((l) => l.length > 0);
  const rows = new Map<number, TsharkRow>();
  if (lines.length === 0) return rows;
  const header = lines[0].split("|");
  for (const line of lines.slice(1)) {
    const cells = line.split("|");
    const row: TsharkRow = {};
    header.forEach((h, i) => {
      const c = cells[i] ?? "";
      row[h] = c === "" ? [] : c.split(",");
    });
    rows.set(Number(row["frame.number"][0]), row);
  }
  return rows;
}

/** capinfos -M: "Number of packets:   54" */
export function capinfosPackets(path: string): number | null {
  const m = /Number of packets:\s+(\d+)/.exec(readFileSync(path, "utf8"));
  return m ? Number(m[1]) : null;
}

export const num = (s: string) => (s.startsWith("0x") ? parseInt(s, 16) : Number(s));
