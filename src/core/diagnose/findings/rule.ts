// One finding id, one module: what it means (meta) and how it is found and told (create), as an
// ESLint rule module holds its meta and its create. index.ts lists the modules.
import type { DiagnoseContext } from "../context";
import type { Severity } from "../../report";

export interface FindingRule {
  id: string;
  meta: {
    /** the usual severity (a rule may lower it, e.g. when a fallback rescued the connection) */
    severity: Severity;
    /** when it fires, in one line (the catalogue of ids) */
    when: string;
    references: string[];
  };
  create(ctx: DiagnoseContext): void;
}
