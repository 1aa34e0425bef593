import type { KubeObject } from '../output/model.js';
import { DataLossError, droppedState, readOutputObjects, type DroppedState } from '../output/state.js';

/**
 * Stage "data loss": the stateful objects the output in `replacedDir` holds below `root` and
 * `objects` drop. Throws a DataLossError when one needs the operator's confirmation and
 * `allowDataLoss` is not set; returns them otherwise (notes included). No folder: none.
 */
export function checkDataLoss(replacedDir: string | undefined, root: string, objects: readonly KubeObject[], allowDataLoss: boolean): DroppedState[] {
  const dropped = replacedDir ? droppedState(readOutputObjects(replacedDir, root), objects) : [];
  if (!allowDataLoss && dropped.some((d) => d.confirm)) throw new DataLossError(dropped);
  return dropped;
}
