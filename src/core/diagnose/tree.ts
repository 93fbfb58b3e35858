// TREE_CONNECT: bad share name (with the shares that did work), access denied split into
// encryption required vs permissions, other statuses; and SMB3 encryption that hides the rest.
import { add, host, streamFilter, type DiagnoseContext, type ConnView } from "./context";
import { REF } from "./references";
import { displayFilter } from "../filters";
import { statusLabel } from "../names";
import { isError } from "../model/summarize";
import { clientCanEncrypt } from "./encryption";
import { encryptionRemedies } from "./session";
import type { TreeConnect } from "../model/types";

export function treeRules(ctx: DiagnoseContext): void {
  const working = workingShares(ctx);
  for (const c of ctx.conns) {
    for (const t of c.m.trees) {
      if (!t.resp || !isError(t.resp.status)) continue;
      const st = statusLabel(t.resp.status);
      if (st === "STATUS_BAD_NETWORK_NAME") badName(ctx, c, t, working.get(host(c.s.server)) ?? []);
      else if (st === "STATUS_ACCESS_DENIED" || st === "STATUS_NETWORK_ACCESS_DENIED") denied(ctx, c, t, st);
      else failed(ctx, c, t, st);
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

function shareName(path: string): string {
  return path.split("\\").filter(Boolean).slice(1).join("\\") || path;
}

/** "\\\\srv\\share (frame 12, user X)", or words when the request was sent before the capture started. */
function treeReq(t: TreeConnect, user?: string | null): string {
  const u = user ? `, user ${user}` : "";
  return t.req.frame ? `${t.path} (frame ${t.req.frame}${u})` : `a share (the request was sent before the capture started${u})`;
}
/** The frames of a tree connect that are in the capture. */
const treeFrames = (t: TreeConnect) => [t.req.frame, t.resp?.frame].filter((x): x is number => !!x);

function badName(ctx: DiagnoseContext, c: ConnView, t: TreeConnect, ok: string[]): void {
  const name = shareName(t.path);
  add(ctx, {
    id: "TREE_BAD_NETWORK_NAME",
    severity: "error",
    title: `Share "${name}" does not exist on ${host(c.s.server)}`,
    explanation: `The client asked to connect to ${treeReq(t)} and the server answered STATUS_BAD_NETWORK_NAME (frame ${t.resp!.frame}): it has no share by that name. The path above is exactly what was sent, so check it for a typo. ${ok.length ? `On this server these shares did connect in the capture: ${ok.join(", ")}.` : "No other share connected on this server in the capture."}`,
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
  const base = `The TREE_CONNECT to ${treeReq(t, c.s.user)} was answered ${st} (frame ${t.resp!.frame}).`;
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
    add(ctx, {
      id: "TREE_ACCESS_DENIED_PERMISSIONS",
      severity: "error",
      title: `Access to share "${name}" denied${c.s.user ? ` for ${c.s.user}` : ""}`,
      explanation: `${base} Encryption is ruled out: ${enc.why}, so the client could have encrypted had the share required it. The server refused this user access to the share itself: share permissions (or Samba's \`valid users\`/\`invalid users\`/\`hosts allow\`) do not let this account in.`,
      remediation: [
        `On Windows: \`Get-SmbShareAccess -Name ${name}\` shows who may connect; grant with \`Grant-SmbShareAccess -Name ${name} -AccountName ${c.s.user ?? "<user or group>"} -AccessRight Change\`. Also check NTFS permissions on the folder (\`Get-Acl\`, \`icacls\`), as the troubleshooting article says: both must allow the user.`,
        `On Samba: \`testparm -s --section-name=${name}\` and look at \`valid users\`, \`invalid users\`, \`read list\`, \`hosts allow\`/\`hosts deny\`; check that the share's path exists and is accessible to the mapped Unix user.`,
        "Check that the folder behind the share exists and its disk is online.",
        "Group membership changes need a new logon (a new SMB session) to take effect.",
      ],
      connection: c.s.id, frames, filter: streamFilter(c), references: [REF.smb2Tree, REF.article],
    }, c);
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

function failed(ctx: DiagnoseContext, c: ConnView, t: TreeConnect, st: string): void {
  const hints: Record<string, string> = {
    STATUS_BAD_NETWORK_PATH: "the server could not reach the path behind the share",
    STATUS_USER_SESSION_DELETED: "the session was logged off before the tree connect",
    STATUS_NETWORK_NAME_DELETED: "the share was removed or is being removed",
    STATUS_INSUFF_SERVER_RESOURCES: "the server is out of resources",
    STATUS_REQUEST_NOT_ACCEPTED: "the server accepts no more connections (licence or connection limit)",
    STATUS_PATH_NOT_COVERED: "the path is a DFS link that this server does not hold: the client should be referred elsewhere",
    STATUS_INVALID_PARAMETER: "the request was malformed for this server",
  };
  add(ctx, {
    id: "TREE_CONNECT_FAILED",
    severity: "error",
    title: `Tree connect to ${t.path} failed: ${st}`,
    explanation: `The TREE_CONNECT to ${treeReq(t)} was answered ${st} (frame ${t.resp!.frame})${hints[st] ? `: ${hints[st]}` : ""}.`,
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
