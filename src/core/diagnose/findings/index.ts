// The finding modules, one per finding id (module.ts). A plain list, one line per module: add yours
// on its own line. Fallbacks (meta.fallback) run after all others wherever they are listed.
import type { FindingModule } from "./module";
import signingMismatch from "./signing-mismatch";
import encryptionRequiredByClient from "./encryption-required-by-client";
import noCommonCipher from "./no-common-cipher";
import connectionAbandoned from "./connection-abandoned";

export const FINDING_MODULES: readonly FindingModule[] = [
  signingMismatch,
  encryptionRequiredByClient,
  noCommonCipher,
  connectionAbandoned,
];
