/**
 * Edits a user makes between runs, as plain data (so a counterexample prints
 * and replays), and their effect on the model. Indices are taken modulo the
 * current lengths, so every edit applies to every world and shrinks freely.
 */
import { sameValue, type AxisName, type PipelineView, type Scalar, type World } from './model.js';

/** Which pipeline file an edit touches: the one in use, or the other one. */
export type Target = 'active' | 'other';

function viewOf(w: World, target: Target): PipelineView {
  return w.views[target === 'active' ? w.active : w.active === 0 ? 1 : 0];
}

export type ValueChange =
  | { kind: 'reverse' }
  | { kind: 'rotate' }
  | { kind: 'add'; value: Scalar; at: number }
  | { kind: 'remove'; at: number }
  | { kind: 'replace'; at: number; value: Scalar };

export type Edit =
  | { op: 'values'; target: Target; axis: AxisName; change: ValueChange }
  /** Pin a matrix axis to one of its values (it becomes a var), or unpin a pinned one, adding a value. */
  | { op: 'pin'; target: Target; axis: AxisName; at: number; extra: Scalar }
  /** `p: 'var'` makes the param a `{ $var: 'v' }` reference (Scalar includes that string). */
  | { op: 'param'; stage: number; p: Scalar }
  /** Change `v`, or the value a pinned axis is pinned to (`{ at }`: one of the values it had). */
  | { op: 'var'; target: Target; name: 'v' | AxisName; value: Scalar | { at: number } }
  /**
   * `--set name=value` (null removes it); on an axis that is not pinned it
   * sets `v`. `{ at }` picks one of the values the pinned axis had.
   */
  | { op: 'set'; target: Target; name: 'v' | AxisName; value: Scalar | { at: number } | null }
  /** Toggle an exclusion. */
  | { op: 'exclude'; target: Target; pair: [number, number] }
  | { op: 'salt'; value: string }
  | { op: 'kindTag'; value: string }
  | { op: 'dep'; value: string }
  /** Run the other pipeline file on the same cache. */
  | { op: 'switch' };

/** One step: an edit, then (when `interrupt`) a run stopped by SIGINT once a cell starts, then the check. */
export interface Step {
  edit: Edit;
  interrupt: boolean;
}

export function applyEdit(world: World, edit: Edit): World {
  const w = structuredClone(world);
  switch (edit.op) {
    case 'values': {
      const state = viewOf(w, edit.target).axes[edit.axis];
      if ('values' in state) state.values = changeValues(state.values, edit.change);
      return w;
    }
    case 'pin':
      togglePin(viewOf(w, edit.target), edit.axis, edit.at, edit.extra);
      return w;
    case 'param': {
      const s = w.stages[edit.stage % w.stages.length];
      if (s !== undefined) s.p = edit.p === 'var' ? { $var: 'v' } : edit.p;
      return w;
    }
    case 'var': {
      const view = viewOf(w, edit.target);
      const state = edit.name === 'v' ? undefined : view.axes[edit.name];
      const pinned = state !== undefined && 'pin' in state ? state : undefined;
      const value =
        typeof edit.value === 'object' ? (pinned?.was[edit.value.at % pinned.was.length] ?? view.v) : edit.value;
      if (pinned !== undefined) pinned.pin = value;
      else view.v = value;
      return w;
    }
    case 'set': {
      const view = viewOf(w, edit.target);
      const state = edit.name === 'v' ? undefined : view.axes[edit.name];
      const pinned = state !== undefined && 'pin' in state ? state : undefined;
      const name = pinned !== undefined ? (edit.name as AxisName) : 'v';
      const value =
        edit.value !== null && typeof edit.value === 'object'
          ? (pinned?.was[edit.value.at % pinned.was.length] ?? view.v)
          : edit.value;
      if (value === null) Reflect.deleteProperty(view.set, name);
      else view.set[name] = value;
      return w;
    }
    case 'exclude': {
      const view = viewOf(w, edit.target);
      const at = view.exclude.findIndex(([i, j]) => i === edit.pair[0] && j === edit.pair[1]);
      if (at >= 0) view.exclude.splice(at, 1);
      else view.exclude.push(edit.pair);
      return w;
    }
    case 'salt':
      w.salt = edit.value;
      return w;
    case 'kindTag':
      w.kindTag = edit.value;
      return w;
    case 'dep':
      w.dep = edit.value;
      return w;
    case 'switch':
      w.active = w.active === 0 ? 1 : 0;
      return w;
  }
}

function changeValues(values: Scalar[], change: ValueChange): Scalar[] {
  const at = (i: number): number => i % values.length;
  switch (change.kind) {
    case 'reverse':
      return [...values].reverse();
    case 'rotate':
      return [...values.slice(1), ...values.slice(0, 1)];
    case 'add':
      if (values.some((v) => sameValue(v, change.value))) return values;
      return [
        ...values.slice(0, change.at % (values.length + 1)),
        change.value,
        ...values.slice(change.at % (values.length + 1)),
      ];
    case 'remove':
      return values.length > 1 ? values.filter((_, i) => i !== at(change.at)) : values;
    case 'replace':
      if (values.some((v) => sameValue(v, change.value))) return values;
      return values.map((v, i) => (i === at(change.at) ? change.value : v));
  }
}

function togglePin(view: PipelineView, axis: AxisName, at: number, extra: Scalar): void {
  const state = view.axes[axis];
  if ('values' in state) {
    view.axes[axis] = { pin: state.values[at % state.values.length] as Scalar, was: state.values };
    return;
  }
  // Unpinning restores the values it had, with the one the pipeline last ran with (a --set wins) and `extra`.
  const current = view.set[axis] ?? state.pin;
  Reflect.deleteProperty(view.set, axis);
  const values = [...state.was];
  for (const v of [current, extra]) if (!values.some((x) => sameValue(x, v))) values.push(v);
  view.axes[axis] = { values };
}
