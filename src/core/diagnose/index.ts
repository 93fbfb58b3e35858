// Runs every finding module over the model (findings/index.ts: the walk of the older families,
// findings/walk.ts, then the modules' own passes) and orders the findings (errors first).
import type { DiagnoseContext } from "./context";
import { walk } from "./findings/walk";
import { FINDING_MODULES } from "./findings";
import { gatherFacts } from "./findings/shared/facts";
import { sortFindings } from "./order";

export function diagnose(ctx: DiagnoseContext): void {
  gatherFacts(ctx);
  walk(ctx, FINDING_MODULES);
  // the modules' own passes; the fallbacks speak only where no other one did
  // (indexed: this runs for each connection diagnosed alone too, where a for…of made an iterator each)
  for (let i = 0; i < FINDING_MODULES.length; i++) { const m = FINDING_MODULES[i]; if (!m.meta.fallback) m.create?.(ctx); }
  for (let i = 0; i < FINDING_MODULES.length; i++) { const m = FINDING_MODULES[i]; if (m.meta.fallback) m.create?.(ctx); }
  sortFindings(ctx);
}
