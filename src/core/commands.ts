// Which code spans of a finding's texts are whole command lines an admin can paste and run (the
// page puts a Copy button on those only), and which are names quoted in the prose: smb.conf lines,
// registry values, cmdlet parameters, event ids, Wireshark fields. One source of truth for the
// page (Findings.tsx) and the tests that walk every Report (tests/commands.test.ts).

/**
 * Programs a remediation text may start a command with. `true`: it does something useful run with
 * no argument (`klist`, `smbstatus`); `false`: its bare name is a mention of the tool ("with
 * `setspn`"), only a line with arguments is a command.
 */
const PROGRAMS: Record<string, boolean> = {
  // Windows
  net: false, setspn: false, klist: true, nltest: false, w32tm: false, reg: false, netsh: false, pktmon: false,
  ksetup: true, ktpass: false, gpupdate: true, cmdkey: false, icacls: false, sc: false, fltmc: true, netdom: false,
  ipconfig: true, nslookup: false, whoami: true, auditpol: false, wevtutil: false, dfsutil: false,
  // Samba and Linux
  smbclient: false, testparm: true, "samba-tool": false, smbcontrol: false, smbstatus: true, smbpasswd: false,
  pdbedit: false, wbinfo: false, kinit: false, kdestroy: true, ss: false, nc: false,
  nft: false, iptables: false, systemctl: false, journalctl: false, timedatectl: true, chronyc: false, mount: false,
  "mount.cifs": false, echo: false, cat: false, grep: false, tcpdump: false, tshark: false, dig: false, host: false,
  smbscope: false,
};

/** Verbs a PowerShell cmdlet starts with (Get-Verb); a Verb-Noun word is a cmdlet. */
const VERBS = new Set([
  "Add", "Clear", "Disable", "Enable", "Get", "Grant", "Install", "New", "Remove", "Rename", "Repair", "Reset", "Resolve",
  "Restart", "Revoke", "Search", "Select", "Set", "Start", "Stop", "Test", "Unblock", "Unlock", "Update", "Block",
  "Format", "Out", "Measure", "Sort", "Where", "ForEach", "Export", "Import", "Invoke", "Register", "Unregister", "Write",
  "Show", "Find", "Move", "Copy", "Connect", "Disconnect", "Suspend", "Resume", "Compare", "Convert", "ConvertTo", "ConvertFrom",
  "Initialize", "Install", "Uninstall", "Save", "Send", "Receive", "Wait", "Expand", "Group", "Mount", "Dismount", "Trace",
]);
/** Cmdlets that do something useful with no parameter (the others' bare names are mentions). */
const BARE_CMDLETS = new Set([
  "Get-SmbShare", "Get-SmbSession", "Get-SmbConnection", "Get-SmbServerConfiguration", "Get-SmbClientConfiguration",
  "Get-SmbMapping", "Test-ComputerSecureChannel", "Get-NetTCPConnection",
]);
/** What may follow a `|`: PowerShell's formatting and filtering cmdlets and aliases, grep. */
const PIPE_TAILS = new Set(["select", "fl", "ft", "where", "sort", "findstr", "grep", "head", "tail"]);

const CMDLET = /^([A-Z][a-z]+)-[A-Za-z0-9]+\*?$/;

/** Splits at `|` (not `||`) outside quotes; null when a quote is left open. */
function pipeline(s: string): string[] | null {
  const out: string[] = [];
  let cur = "", q = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (q) { if (ch === q) q = ""; cur += ch; continue; }
    if (ch === "'" || ch === '"') { q = ch; cur += ch; continue; }
    if (ch === "|") {
      if (s[i + 1] === "|") return null; // `a || b`: a Wireshark filter, not a pipeline
      out.push(cur.trim()); cur = ""; continue;
    }
    cur += ch;
  }
  if (q) return null;
  out.push(cur.trim());
  return out;
}

/** The text with every quoted part emptied (so `ss -lnp 'sport = :445'` has no ` = ` left). */
const unquoted = (s: string) => s.replace(/'[^']*'|"[^"]*"/g, "''");

/** The program a word names: Windows takes NET as net (its command names are case-insensitive). */
const programOf = (word: string) => (Object.hasOwn(PROGRAMS, word) ? word : Object.hasOwn(PROGRAMS, word.toLowerCase()) && /^[A-Z]+$/.test(word) ? word.toLowerCase() : null);

function isProgram(word: string, first: boolean): boolean {
  if (programOf(word)) return true;
  const m = CMDLET.exec(word);
  if (m && VERBS.has(m[1])) return true;
  return !first && PIPE_TAILS.has(word.toLowerCase());
}

/**
 * A whole command line an admin can paste and run: every stage of a pipeline starts with a known
 * program or a PowerShell Verb-Noun cmdlet, and it is not a setting (`name = value`), a parameter
 * (`-RequireSecuritySignature $false`), a bare value name, a fragment (`…`) or a filter.
 * `<…>` placeholders are allowed: the admin fills what the capture could not know.
 */
export function isRunnableCommand(code: string): boolean {
  const s = code.trim();
  if (!s || /\.\.\.|…/.test(s)) return false;
  if (/\s=\s|\s=$/.test(unquoted(s))) return false; // smb.conf / krb5.conf line
  const stages = pipeline(s);
  if (!stages || stages.some((x) => !x)) return false;
  return stages.every((stage, i) => {
    const words = stage.split(/\s+/);
    if (!isProgram(words[0], i === 0)) return false;
    const prog = programOf(words[0]) ?? words[0];
    if (i === 0 && words.length === 1) return PROGRAMS[prog] === true || BARE_CMDLETS.has(prog);
    return !(i === 0 && prog === "net" && !/^[a-z]+$/i.test(words[1])); // `net` takes a subcommand
  });
}
