export type { Pruner } from "./base.js";
export { NopPruner } from "./base.js";
export { createPrunerByName, registerPruner, prunerNames, prunerEntries, type PrunerEntry, type PrunerOptions } from "./registry.js";
export { MedianPruner, MEDIAN_OPTIONS, createMedianPrunerFromOptions, type MedianPrunerOptions } from "./median.js";
