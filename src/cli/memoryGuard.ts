// How much of V8's heap the CLI lets one analysis use before it stops decoding and reports what it
// has (core/source.ts MemoryGuard). Past its heap limit Node is killed with no Report at all; the
// model and the Report made from it take about twice what the model holds at the stop, so the
// stop comes at 40 % of the limit. SMBSCOPE_MEMORY_BUDGET_MB sets the budget in MiB instead
// (batch jobs that run several analyses side by side, and the tests).
import { getHeapStatistics } from "node:v8";
import type { MemoryGuard } from "../core/source";

export const HEAP_SHARE = 0.4;

/** The budget in bytes: SMBSCOPE_MEMORY_BUDGET_MB when set to a positive number, else HEAP_SHARE of the heap limit. */
export function memoryBudget(env: Record<string, string | undefined> = process.env): number {
  const mb = Number(env.SMBSCOPE_MEMORY_BUDGET_MB);
  return Number.isFinite(mb) && mb > 0 ? mb * 1048576 : HEAP_SHARE * getHeapStatistics().heap_size_limit;
}

/** A guard for one analysis (its `at` is that capture's). */
export function heapGuard(budget = memoryBudget()): MemoryGuard {
  return { full: () => getHeapStatistics().used_heap_size > budget };
}
