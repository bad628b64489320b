// Public surface of the core layer: pipeline types, compose, errors, principal, typed state.
export * from './compose.js';
export * from './context.js';
export * from './error-mapper.js';
export * from './errors.js';
export * from './logger.js';
export * from './principal.js';
export * from './state.js';
export * from './cache-store.js';
export * from './sugar.js';
export * from './version.js';
export * from './credential.js';
export * from './upstream-call.js';
export * from './rate-limit-store.js';
export * from './deadline.js';
export * from './audit.js';
export * from './canonical-json.js';
export * from './sha256.js';
