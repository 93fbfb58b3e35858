// Runs every finding module over the model (findings/index.ts: the walk of the older families,
// findings/walk.ts, then the modules' own passes) and orders the findings (errors first).
import type { DiagnoseContext } from "./context";
import { walk } from "./findings/walk";
import { FINDING_MODULES } from "./findings";
import type { FindingModule } from "./findings/module";
import { gatherFacts } from "./findings/shared/facts";
import { sortFindings } from "./order";

export function diagnose(ctx: DiagnoseContext): void {
  gatherFacts(ctx);
  walk(ctx, FINDING_MODULES);
  // the modules' own passes; the fallbacks speak only where no other one did
  // (the modules with a pass, in that order, listed once: this runs for each connection diagnosed
  // alone too, where asking each of the ~50 modules, every one of its own shape, for its `meta`
  // and `create` was most of this function's own time on the bench's dense capture)
  const passes = (PASSES ??= passesOf(FINDING_MODULES));
  for (let i = 0; i < passes.length; i++) passes[i].create!(ctx);
  sortFindings(ctx);
}

/** FINDING_MODULES' passes (made on the first diagnosis: no order of module initialisation to rely on). */
let PASSES: readonly FindingModule[] | null = null;
/** The modules with a pass of their own (`create`), the fallbacks last, each part in the modules' order. */
const passesOf = (modules: readonly FindingModule[]): readonly FindingModule[] => [
  ...modules.filter((m) => m.create && !m.meta.fallback),
  ...modules.filter((m) => m.create && m.meta.fallback),
];
