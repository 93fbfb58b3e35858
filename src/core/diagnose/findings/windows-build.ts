// The Windows release a side runs, as its NTLM VERSION names it (MS-NLMP 2.2.2.10; the connection's
// clientOs / serverOs, model/summarize.ts). Findings use it only where the capture's VERSION says
// so: null for a side that sent none, and for build 0 (Samba and other non-Windows stacks).
import type { Connection } from "../../report";

export interface WindowsBuild { major: number; minor: number; build: number; name: string }

export function windowsBuild(os: Connection["clientOs"]): WindowsBuild | null {
  if (!os) return null;
  const [major, minor, build] = os.version.split(".").map(Number);
  if (!build) return null;
  return { major, minor, build, name: os.name };
}

/** Windows 7 / Server 2008 R2 (6.1) and older speak at most SMB 2.1: no SMB 3 encryption. */
export const beforeWindows8 = (b: WindowsBuild) => b.major < 6 || (b.major === 6 && b.minor <= 1);
/** Windows 11 24H2 / Server 2025 and later (build 26100): signing required and the authentication rate limiter by default. */
export const from24H2 = (b: WindowsBuild) => b.major === 10 && b.build >= 26100;
/** Windows Server 2008 R2 / Windows 7 (6.1.7600, 6.1.7601). */
export const is2008R2 = (b: WindowsBuild) => b.major === 6 && b.minor === 1;
