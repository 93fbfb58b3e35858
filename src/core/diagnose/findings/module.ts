// The shape of a finding module: one finding id, its detector and its texts together (as an ESLint
// rule module holds `meta` and `create`). findings/index.ts lists the modules; diagnose/index.ts
// runs them after the older rule families, and the fallbacks (meta.fallback) after all others.
import type { Severity } from "../../report";
import type { DiagnoseContext } from "../context";

export interface FindingModule {
  meta: {
    id: string;
    /** the usual severity (a module may lower or raise it per case, and says so in its texts) */
    severity: Severity;
    /** when it applies, in one line (the catalogue in the docs) */
    when: string;
    /** runs after every other module: it speaks only where none of them explained the connection */
    fallback?: boolean;
    /** the spec sections and articles it rests on */
    references?: string[];
  };
  create(ctx: DiagnoseContext): void;
}
