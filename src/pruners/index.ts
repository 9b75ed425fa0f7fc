export type { Pruner } from "./base.js";
export { NopPruner } from "./base.js";
export { createPrunerByName, registerPruner, prunerNames, type PrunerOptions } from "./registry.js";
export { MedianPruner, createMedianPrunerFromOptions, type MedianPrunerOptions } from "./median.js";
