// The finding modules, one per finding id (module.ts): detector and texts together. A plain list,
// one line per module: add yours on its own line. The catalogue in docs/findings.md is made from
// it (scripts/gen-catalogue.mjs). diagnose/index.ts runs the walk of the older families first
// (walk.ts: their handlers in this order at each node), then the modules' `create`, the fallbacks
// (meta.fallback) after all others, in the order listed.
import type { FindingModule } from "./module";
import { port139Fallback } from "./port-139-fallback";
import { tcpRejected } from "./tcp-rejected";
import { tcpNoAnswer } from "./tcp-no-answer";
import { netbiosSessionRejected } from "./netbios-session-rejected";
import { negotiateDialectMismatch } from "./negotiate-dialect-mismatch";
import { negotiateFailed } from "./negotiate-failed";
import { negotiateNoResponse } from "./negotiate-no-response";
import { sessionSetupNoResponse } from "./session-setup-no-response";
import { logonFailure } from "./logon-failure";
import { sessionAccessDenied } from "./session-access-denied";
import { treeAccessDeniedEncryption } from "./tree-access-denied-encryption";
import { sessionSigningFailed } from "./session-signing-failed";
import { sessionSetupFailed } from "./session-setup-failed";
import { guestSession } from "./guest-session";
import { sessionSetupLoop } from "./session-setup-loop";
import { sessionExpiredFinding } from "./session-expired";
import { kerberosSpnUnknown } from "./kerberos-spn-unknown";
import { kerberosPreauthNormal } from "./kerberos-preauth-normal";
import { treeBadNetworkName } from "./tree-bad-network-name";
import { treeAccessDeniedAnonymous } from "./tree-access-denied-anonymous";
import { treeAccessDeniedPermissions } from "./tree-access-denied-permissions";
import { treeConnectFailed } from "./tree-connect-failed";
import { encryptedTraffic } from "./encrypted-traffic";
import { captureIncomplete } from "./capture-incomplete";
import { smbProbeOtherProtocol } from "./smb-probe-other-protocol";
import { smbPreTcpTransport } from "./smb-pre-tcp-transport";
import { noSmbTraffic } from "./no-smb-traffic";
import { smb1InUse } from "./smb1-in-use";
import signingMismatch from "./signing-mismatch";
import encryptionRequiredByClient from "./encryption-required-by-client";
import noCommonCipher from "./no-common-cipher";
import connectionAbandoned from "./connection-abandoned";
import { ntlmv1Refused } from "./ntlmv1-refused";
import { ntlmv1InUse } from "./ntlmv1-in-use";
import { kerberosEtypeMismatch } from "./kerberos-etype-mismatch";
import { kerberosError } from "./kerberos-error";
import { kdcUnreachable } from "./kdc-unreachable";
import { authNotAttempted } from "./auth-not-attempted";
import { treeConnectionLimit } from "./tree-connection-limit";
import { packetDropped } from "./packet-dropped";
import { encryptedTrafficDecrypted } from "./encrypted-traffic-decrypted";
import { logonPasswordCheck } from "./logon-password-check";
import { userSessionDeleted } from "./user-session-deleted";
import { pathNotCovered } from "./path-not-covered";
import { authRateLimited } from "./auth-rate-limited";
import { smbOverQuicFinding } from "./smb-over-quic";
import { smbQuicFailed } from "./smb-quic-failed";

export const FINDING_MODULES: readonly FindingModule[] = [
  // the older families, in their walk's order (walk.ts)
  port139Fallback,
  tcpRejected,
  tcpNoAnswer,
  netbiosSessionRejected,
  negotiateDialectMismatch,
  negotiateFailed,
  negotiateNoResponse,
  sessionSetupNoResponse,
  logonFailure,
  sessionAccessDenied,
  treeAccessDeniedEncryption, // after sessionAccessDenied: the likely cause it names
  sessionSigningFailed,
  sessionSetupFailed,
  guestSession,
  sessionSetupLoop,
  sessionExpiredFinding,
  kerberosSpnUnknown, // and kerberosError below
  kerberosPreauthNormal,
  treeBadNetworkName, // and treeAccessDeniedEncryption above
  treeAccessDeniedAnonymous,
  treeAccessDeniedPermissions,
  treeConnectFailed,
  encryptedTraffic,
  captureIncomplete,
  smbProbeOtherProtocol,
  smbPreTcpTransport,
  noSmbTraffic,
  smb1InUse,
  // the newer ids
  signingMismatch,
  encryptionRequiredByClient,
  noCommonCipher,
  ntlmv1Refused,
  ntlmv1InUse,
  kerberosEtypeMismatch,
  kerberosError,
  kdcUnreachable,
  treeConnectionLimit,
  packetDropped,
  encryptedTrafficDecrypted,
  logonPasswordCheck,
  userSessionDeleted,
  pathNotCovered,
  authRateLimited,
  smbOverQuicFinding,
  smbQuicFailed,
  // fallbacks, in this order: the more specific first
  authNotAttempted,
  connectionAbandoned,
];
