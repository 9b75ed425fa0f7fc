export type { Pruner } from "./base.js";
export { NopPruner } from "./base.js";
