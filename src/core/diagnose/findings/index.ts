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
import { userSessionDeleted } from "./user-session-deleted";
import { pathNotCovered } from "./path-not-covered";
import { authRateLimited } from "./auth-rate-limited";
import { dialectRange } from "./dialect-range";

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
  userSessionDeleted,
  pathNotCovered,
  authRateLimited,
  dialectRange,
  // fallbacks, in this order: the more specific first
  authNotAttempted,
  connectionAbandoned,
];
