// TREE_CONNECT: bad share name (with the shares that did work), access denied split into
// encryption required vs permissions, other statuses; and SMB3 encryption that hides the rest.
import { add, host, streamFilter, type DiagnoseContext, type ConnView } from "./context";
import { REF } from "./references";
import { displayFilter } from "../filters";
import { statusLabel, statusInWords } from "../names";
import { isError } from "../model/summarize";
import { clientCanEncrypt, encryptionRuledOut } from "./encryption";
import { encryptionRemedies } from "./session";
import { treeConnectionLimited } from "./findings/tree-connection-limit";
import { treeSessionDeleted } from "./findings/user-session-deleted";
import { treePathNotCovered } from "./findings/path-not-covered";
import type { TreeConnect } from "../model/types";

export function treeRules(ctx: DiagnoseContext): void {
  const working = workingShares(ctx);
  for (const c of ctx.conns) {
    for (const t of c.m.trees) {
      if (!t.resp || !isError(t.resp.status)) continue;
      if (treeConnectionLimited(t)) continue; // a connection limit: TREE_CONNECTION_LIMIT explains it
      if (treeSessionDeleted(t) || treePathNotCovered(t)) continue; // USER_SESSION_DELETED, PATH_NOT_COVERED explain these
      // decided by the NTSTATUS meaning; told as the capture shows it (an SMB1 DOS error by its name)
      const st = statusLabel(t.resp.status);
      const shown = statusInWords(t.resp);
      if (st === "STATUS_BAD_NETWORK_NAME") badName(ctx, c, t, working.get(host(c.s.server)) ?? [], shown);
      else if (st === "STATUS_ACCESS_DENIED" || st === "STATUS_NETWORK_ACCESS_DENIED") denied(ctx, c, t, shown);
      else failed(ctx, c, t, shown);
    }
    encrypted(ctx, c);
  }
}

/** Per server host, the shares that connected anywhere in the capture. */
function workingShares(ctx: DiagnoseContext): Map<string, string[]> {
  const by = new Map<string, Set<string>>();
  for (const c of ctx.conns) {
    for (const t of c.m.trees) {
      if (!t.resp || isError(t.resp.status) || !t.path) continue;
      const h = host(c.s.server);
      let set = by.get(h);
      if (!set) by.set(h, (set = new Set()));
      if (set.size < 50) set.add(t.path);
    }
  }
  return new Map([...by].map(([h, set]) => [h, [...set]]));
}

/** "\\srv\share (frame 9)", in words when the request is not in the capture (a response paired with none). */
function requestText(t: TreeConnect, extra = ""): string {
  return `${t.path || "a share"} (${t.req.frame ? `frame ${t.req.frame}` : "request not in the capture"}${extra})`;
}

/** The frames of a tree connect that are in the capture. */
const treeFrames = (t: TreeConnect) => [t.req.frame, t.resp!.frame].filter((x) => x > 0);

function shareName(path: string): string {
  return path.split("\\").filter(Boolean).slice(1).join("\\") || path;
}

function badName(ctx: DiagnoseContext, c: ConnView, t: TreeConnect, ok: string[], shown: string): void {
  const name = shareName(t.path);
  add(ctx, {
    id: "TREE_BAD_NETWORK_NAME",
    severity: "error",
    title: `Share "${name}" does not exist on ${host(c.s.server)}`,
    explanation: `The client asked to connect to ${requestText(t)} with TREE_CONNECT and the server answered ${shown} (frame ${t.resp!.frame}): it has no share by that name. The path above is exactly what was sent, so check it for a typo. ${ok.length ? `On this server these shares did connect in the capture: ${ok.join(", ")}.` : "No other share connected on this server in the capture."}`,
    remediation: [
      `List the server's shares: \`Get-SmbShare\` on Windows, \`net view \\\\${host(c.s.server)}\` from a client, \`smbclient -L ${host(c.s.server)} -U ${c.s.user ? `'${c.s.user}'` : "<user>"}\` or \`testparm -s\` on Samba.`,
      "Correct the path in the mapping, shortcut, script or GPO that uses it.",
      "If the share should exist: it may be on another server (DFS namespace or a migrated share), or its folder may be missing so that the server dropped it (Samba logs \"canonicalize_connect_path failed\"); a cluster share exists only on the node or name that owns it.",
    ],
    connection: c.s.id, frames: treeFrames(t), filter: streamFilter(c), references: [REF.smb2Tree, REF.article],
  }, c);
}

function denied(ctx: DiagnoseContext, c: ConnView, t: TreeConnect, st: string): void {
  const enc = clientCanEncrypt(c.m);
  const name = shareName(t.path);
  const frames = treeFrames(t);
  const base = `The TREE_CONNECT to ${requestText(t, c.s.user ? `, user ${c.s.user}` : "")} was answered ${st} (frame ${t.resp!.frame}).`;
  if (c.s.auth === "anonymous") return anonymous(ctx, c, t, base, name);
  const ruledOut = encryptionRuledOut(c.m, t.req.smb1);
  if (ruledOut) return permissions(ctx, c, name, frames, `${base} Encryption is ruled out: ${ruledOut}.`);
  if (enc.can === false) {
    add(ctx, {
      id: "TREE_ACCESS_DENIED_ENCRYPTION",
      severity: "error",
      title: `Share "${name}" requires encryption; this client cannot encrypt`,
      explanation: `${base} Deciding evidence: ${enc.why}. A share that requires encryption refuses clients that cannot encrypt with exactly this status (MS-SMB2 3.3.5.7), whatever their permissions. If the share does not require encryption after all, check permissions as for any access denied.`,
      remediation: encryptionRemedies(host(c.s.server), name || null),
      connection: c.s.id, frames, filter: streamFilter(c), references: [REF.smb2Tree, REF.smb2Ctx, REF.article],
    }, c);
  } else if (enc.can === true) {
    permissions(ctx, c, name, frames, `${base} Encryption is ruled out: ${enc.why}, so the client could have encrypted had the share required it.`);
  } else {
    add(ctx, {
      id: "TREE_CONNECT_FAILED",
      severity: "error",
      title: `Access to share "${name}" denied (encryption or permissions: undecided)`,
      explanation: `${base} The capture cannot tell whether the share requires encryption or the user lacks permission: ${enc.why}. Check both.`,
      remediation: [
        `Encryption: \`Get-SmbShare -Name ${name} | select Name, EncryptData\` and \`Get-SmbServerConfiguration | select EncryptData, RejectUnencryptedAccess\`; if required, the client needs SMB 3 with encryption.`,
        `Permissions: \`Get-SmbShareAccess -Name ${name}\` and the folder's NTFS ACL (\`icacls\`); on Samba \`valid users\` and friends (\`testparm -s\`).`,
        "Capture from the start of the connection so that the NEGOTIATE is included; it decides the question.",
      ],
      connection: c.s.id, frames, filter: streamFilter(c), references: [REF.smb2Tree, REF.article],
    }, c);
  }
}

/** The share refused a named user: share permissions or Samba's user lists. */
function permissions(ctx: DiagnoseContext, c: ConnView, name: string, frames: number[], why: string): void {
  add(ctx, {
    id: "TREE_ACCESS_DENIED_PERMISSIONS",
    severity: "error",
    title: `Access to share "${name}" denied${c.s.user ? ` for ${c.s.user}` : ""}`,
    explanation: `${why} The server refused this user access to the share itself: share permissions (or Samba's \`valid users\`/\`invalid users\`/\`hosts allow\`) do not let this account in.`,
    remediation: [
      `On Windows: \`Get-SmbShareAccess -Name ${name}\` shows who may connect; grant with \`Grant-SmbShareAccess -Name ${name} -AccountName ${c.s.user ?? "<user or group>"} -AccessRight Change\`. Also check NTFS permissions on the folder (\`Get-Acl\`, \`icacls\`), as the troubleshooting article says: both must allow the user.`,
      `On Samba: \`testparm -s --section-name=${name}\` and look at \`valid users\`, \`invalid users\`, \`read list\`, \`hosts allow\`/\`hosts deny\`; check that the share's path exists and is accessible to the mapped Unix user.`,
      "Check that the folder behind the share exists and its disk is online.",
      "Group membership changes need a new logon (a new SMB session) to take effect.",
    ],
    connection: c.s.id, frames, filter: streamFilter(c), references: [REF.smb2Tree, REF.article],
  }, c);
}

/**
 * A null session refused a share: the server's restrictions on anonymous users decide, not
 * encryption and not a user's share permissions.
 */
function anonymous(ctx: DiagnoseContext, c: ConnView, t: TreeConnect, base: string, name: string): void {
  const leg = c.m.sessions.find((l) => l.resp && !isError(l.resp.status));
  add(ctx, {
    id: "TREE_ACCESS_DENIED_ANONYMOUS",
    severity: "error",
    title: `Anonymous access to share "${name}" refused by ${host(c.s.server)}`,
    explanation: `${base} The session is anonymous (a null session: no user name and no password${leg ? `, set up in frame ${leg.resp!.frame}` : ""}), and the server does not let anonymous users reach this share. That is its restriction on null sessions, not a requirement for encryption${t.req.smb1 ? " (SMB1 has none)" : ""} and not the permissions of a named user.`,
    remediation: [
      "Usually the fix is on the client: connect with an account. A service running as Local System or Network Service on a non-domain machine, a script without credentials, or cached empty credentials (`cmdkey /list`, `net use`) make null sessions.",
      `Windows server: null sessions reach only the shares listed in \`NullSessionShares\` while \`RestrictNullSessAccess\` is 1 (the default), under HKLM\\SYSTEM\\CurrentControlSet\\Services\\LanmanServer\\Parameters; the policies are "Network access: Shares that can be accessed anonymously" and "Network access: Restrict anonymous access to Named Pipes and Shares". Opening a share to anonymous users is rarely what you want.`,
      `Samba: \`restrict anonymous\` (2 refuses anonymous users every share; see \`testparm -sv | grep -i "restrict anonymous"\`) and, for guest access instead, \`guest ok = yes\` on the share with \`map to guest\`.`,
    ],
    connection: c.s.id, frames: treeFrames(t), filter: streamFilter(c), references: [REF.smb2Tree, REF.cifsSession, REF.article],
  }, c);
}

function failed(ctx: DiagnoseContext, c: ConnView, t: TreeConnect, st: string): void {
  const hints: Record<string, string> = {
    STATUS_BAD_NETWORK_PATH: "the server could not reach the path behind the share",
    STATUS_USER_SESSION_DELETED: "the session was logged off before the tree connect",
    STATUS_NETWORK_NAME_DELETED: "the share was removed or is being removed",
    STATUS_PATH_NOT_COVERED: "the path is a DFS link that this server does not hold: the client should be referred elsewhere",
    STATUS_INVALID_PARAMETER: "the request was malformed for this server",
  };
  add(ctx, {
    id: "TREE_CONNECT_FAILED",
    severity: "error",
    title: `Tree connect to ${t.path || "a share"} failed: ${t.resp!.dos ?? st}`,
    explanation: `The TREE_CONNECT to ${requestText(t)} was answered ${st} (frame ${t.resp!.frame})${hints[statusLabel(t.resp!.status)] ? `: ${hints[statusLabel(t.resp!.status)]}` : ""}.`,
    remediation: [
      "Check the server's SMB event log (Microsoft-Windows-SMBServer/Operational) or Samba's log at that time for the reason.",
      "MS-SMB2 3.3.5.7 lists every check a server makes on TREE_CONNECT and the status each failure returns.",
    ],
    connection: c.s.id, frames: treeFrames(t), filter: streamFilter(c), references: [REF.smb2Tree],
  }, c);
}

function encrypted(ctx: DiagnoseContext, c: ConnView): void {
  const e = c.m.encrypted;
  if (!e) return;
  const why = c.s.encryption === "session" ? "the session requires encryption (SessionFlags ENCRYPT_DATA)"
    : c.s.encryption === "share" ? `the share ${c.s.shares.filter((s) => s.encrypted).map((s) => s.path).join(", ")} requires encryption (ShareFlags ENCRYPT_DATA)`
      : "the client or server chose to encrypt";
  const hiddenTrees = c.m.trees.length === 0 ? " Any TREE_CONNECT after that point is inside the encryption, so share names and their statuses cannot be read; the connection kept exchanging messages, so it was not refused at that point." : "";
  add(ctx, {
    id: "ENCRYPTED_TRAFFIC",
    severity: "info",
    title: `SMB3 encryption from frame ${e.firstFrame} on`,
    explanation: `From frame ${e.firstFrame}, ${e.count} SMB message${e.count > 1 ? "s" : ""} on this connection are encrypted (SMB2 TRANSFORM header): ${why}. Their commands and statuses are not visible in a capture.${hiddenTrees}`,
    remediation: ["Nothing to fix. To see inside, capture on the client or server with the session keys (Wireshark can decrypt SMB3 given them), or reproduce against a test share without encryption."],
    connection: c.s.id, frames: [e.firstFrame], filter: displayFilter({ stream: c.s.stream, fromFrame: e.firstFrame }), references: [REF.smb2Transform],
  }, c);
}
