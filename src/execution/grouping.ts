/**
 * Which ready cells may share a worker process, and how many. Nothing here
 * reaches a fingerprint: grouping decides only where cells run.
 */
import type { GroupPolicy, JsonObject } from '../stage-api.js';

/** `ablate run`'s switches: `--no-group` turns grouping off, `--group-size` caps it. */
export interface Grouping {
  on: boolean;
  maxSize?: number;
}

/** Members per group when the kind names no maximum. */
export const DEFAULT_GROUP_SIZE = 8;

/** Cells of one stage with equal keys agree on every param outside `over`. */
export function groupKey(params: JsonObject, over: readonly string[]): string {
  const rest = Object.keys(params)
    .filter((k) => !over.includes(k))
    .sort()
    .map((k) => [k, params[k]]);
  return JSON.stringify(rest);
}

/**
 * Members for the next group: the kind's maximum and `--group-size`, and no
 * more than the compatible ready cells spread over the free slots, so two
 * free slots get two groups rather than one group and an idle slot.
 */
export function groupSize(policy: GroupPolicy, grouping: Grouping, compatible: number, freeSlots: number): number {
  const cap = Math.min(policy.maxSize ?? DEFAULT_GROUP_SIZE, grouping.maxSize ?? Infinity);
  return Math.max(1, Math.min(cap, Math.ceil(compatible / Math.max(1, freeSlots))));
}
