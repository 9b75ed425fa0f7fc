export * from "./distributions.js";
export * from "./encoding.js";
export * from "./search-space.js";
export * from "./records.js";
export * from "./intermediate-index.js";
export * from "./options.js";
