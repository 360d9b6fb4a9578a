/** The configuration model's public API: loading, validation, targets, order and hashes. */
export type * from './model.js';
export { loadProject, validateRepository, type LoadOptions } from './project.js';
export { selectTargets, type Selection } from './targets.js';
export { startOrder, stopOrder, findCycle, CycleError } from './order.js';
export { taskHash, secretHash, secretHashOf, canonicalJson } from './hash.js';
export { parseSize, parsePort, splitCommand, type PortMapping } from './normalize.js';
export { diffSpecs } from './diff.js';
export { resolveInventory, listInventories, listServiceFiles } from './repository.js';
export { inventoryName } from './inventory-file.js';
export { imageTag } from './service-file.js';
