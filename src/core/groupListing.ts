// The finding groups (findingGroups.ts: severity → id → occurrences, as Wireshark's Expert Info
// groups) as the readable reports list them, the CLI's text (cli/render.ts) and the Markdown
// export (ui/markdown.ts): one entry per group, in findingGroups' order (the verdict's first cause
// first), its first finding whole, then its other occurrences one line each up to a cap, and how
// many findings and connections it has in all. A SYN scan of 200,000 connections is one entry
// "200,000 times, on 200,000 connections" with a few lines, not 21 cards. The page draws the same
// groups (ui/components/Findings.tsx) and pages through a group's occurrences when it is opened;
// a text has one page, so it lists the first few and says how many it left out.
//
// Past FINDINGS_PER_ID findings of one severity and id the Report folds the others into one
// finding that lists their connections, at most GROUP_CONNECTIONS of them (reportBuilder.ts
// groupFindings). Here that finding counts as the findings it stands for (its `count`), the group
// as the connections its findings name (its `groupConnections`), and each connection it lists is
// a line of its own, without frames (the folded finding keeps a few frames, not whose they are).
import type { Finding, Report } from "./report";
import { groupFindings, type FindingGroup } from "./findingGroups";

// One formatter for every count the Report's texts and the page write, made once: the first
// toLocaleString("en-US") of a page loads ICU's number data (~25 ms in Chromium), which would
// otherwise land in the task that draws the verdict; a shared formatter is also ~25× faster per
// number than toLocaleString.
const COUNT = new Intl.NumberFormat("en-US");
/** 12345 → "12,345" */
export const groupCount = (n: number) => COUNT.format(n);

/** A group's size as the page, the CLI's text and the Markdown say it: "200,000 times, on 200,000 connections" */
export function timesText(findings: number, connections: number): string {
  const times = findings === 1 ? "once" : `${groupCount(findings)} times`;
  return connections ? `${times}, on ${groupCount(connections)} connection${connections === 1 ? "" : "s"}` : times;
}

/** What a group's list leaves out, after its lines: "…and 9,989 more connections", or of findings; "" for nothing. */
export function moreText(g: GroupListing): string {
  if (g.moreConnections) return `…and ${groupCount(g.moreConnections)} more connection${g.moreConnections === 1 ? "" : "s"}`;
  return g.moreFindings ? `…and ${groupCount(g.moreFindings)} more` : "";
}

/** The title of the finding that stands for `rest` more of its group (reportBuilder.ts groupFindings). */
export const foldedTitle = (rest: number, title: string) => `…and ${rest} more: ${title}`;


/** A line shows this many of its finding's frames (its filter has them all). */
const LINE_FRAMES = 6;
/** "frames 3, 4" on a line: at most LINE_FRAMES of them, then how many more */
export function lineFrames(frames: readonly number[]): string {
  const more = frames.length - LINE_FRAMES;
  return `frame${frames.length > 1 ? "s" : ""} ${frames.slice(0, LINE_FRAMES).join(", ")}${more > 0 ? ` and ${more} more` : ""}`;
}

/** One line of a group's list: a finding, or (finding null) a connection a folded finding lists. */
export interface GroupLine {
  finding: Finding | null;
  /** the connection's id ("client-server"); null when the finding names none or several (its `connections`) */
  connection: string | null;
}

export interface GroupListing {
  group: FindingGroup;
  /** shown whole */
  first: Finding;
  /** the group's findings, those a folded finding stands for each counted */
  findings: number;
  /** the connections they name (a folded finding's that its list left out counted one each) */
  connections: number;
  /** the occurrences after the first, at most the cap, in Report order */
  lines: GroupLine[];
  /** the group's connections neither the first finding nor a line names */
  moreConnections: number;
  /** the group's findings past the first and the lines */
  moreFindings: number;
}

/** The Report's finding groups as the readable reports list them, each with at most `cap` lines after its first finding. */
export function groupListings(r: Pick<Report, "findings" | "headline">, cap: number): GroupListing[] {
  return groupFindings(r.findings, r.headline).map((group) => listing(r.findings, group, cap));
}

function listing(all: readonly Finding[], group: FindingGroup, cap: number): GroupListing {
  const first = all[group.occurrences[0]];
  const shown = new Set<string>();
  const lines: GroupLine[] = [];
  const show = (f: Finding) => { if (f.connection) shown.add(f.connection); for (const c of f.connections ?? []) shown.add(c); };
  show(first);
  for (const i of group.occurrences) {
    const f = all[i];
    if (f === first) continue;
    if (f.count !== undefined) { // a folded finding: a line per connection it lists
      for (const c of f.connections!) {
        if (lines.length >= cap) break;
        if (!shown.has(c)) { lines.push({ finding: null, connection: c }); shown.add(c); }
      }
    } else if (lines.length < cap) {
      lines.push({ finding: f, connection: f.connection });
      show(f);
    }
  }
  const findings = group.count, connections = group.connections;
  return { group, first, findings, connections, lines, moreConnections: Math.max(0, connections - shown.size), moreFindings: Math.max(0, findings - 1 - lines.length) };
}
