// The finding modules, one per id (detector and texts together). diagnose/index.ts runs them
// after the rule families; the catalogue of ids is read from this list.
import type { FindingRule } from "./rule";
import { ntlmv1Refused } from "./ntlmv1-refused";
import { ntlmv1InUse } from "./ntlmv1-in-use";
import { kerberosEtypeMismatch } from "./kerberos-etype-mismatch";
import { kerberosBlobError } from "./kerberos-blob-error";
import { kdcUnreachable } from "./kdc-unreachable";
import { authNotAttempted } from "./auth-not-attempted";

export const FINDINGS: FindingRule[] = [
  ntlmv1Refused,
  ntlmv1InUse,
  kerberosEtypeMismatch,
  kerberosBlobError,
  kdcUnreachable,
  authNotAttempted,
];
