/**
 * CMA-ES with IPOP restarts (Hansen 2016; Auger & Hansen 2005). The folder's public door.
 */
export { CmaEsSampler, CMAES_OPTIONS, createCmaEsSamplerFromOptions, type CmaEsSamplerOptions, type CmaEsStatus } from "./cmaes.js";

