// The finding modules, one per finding id (module.ts): detector and texts together. A plain list,
// one line per module: add yours on its own line. diagnose/index.ts runs them after the older rule
// families, and the fallbacks (meta.fallback) after all others, in the order listed.
import type { FindingModule } from "./module";
import signingMismatch from "./signing-mismatch";
import encryptionRequiredByClient from "./encryption-required-by-client";
import noCommonCipher from "./no-common-cipher";
import connectionAbandoned from "./connection-abandoned";
import { ntlmv1Refused } from "./ntlmv1-refused";
import { ntlmv1InUse } from "./ntlmv1-in-use";
import { kerberosEtypeMismatch } from "./kerberos-etype-mismatch";
import { kerberosBlobError } from "./kerberos-blob-error";
import { kdcUnreachable } from "./kdc-unreachable";
import { authNotAttempted } from "./auth-not-attempted";
import { treeConnectionLimit } from "./tree-connection-limit";
import { smbOverQuicFinding } from "./smb-over-quic";
import { smbQuicFailed } from "./smb-quic-failed";

export const FINDING_MODULES: readonly FindingModule[] = [
  signingMismatch,
  encryptionRequiredByClient,
  noCommonCipher,
  ntlmv1Refused,
  ntlmv1InUse,
  kerberosEtypeMismatch,
  kerberosBlobError,
  kdcUnreachable,
  treeConnectionLimit,
  smbOverQuicFinding,
  smbQuicFailed,
  // fallbacks, in this order: the more specific first
  authNotAttempted,
  connectionAbandoned,
];
