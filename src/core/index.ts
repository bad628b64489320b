// Public surface of the core layer: pipeline types, compose, errors, principal, typed state.
export * from './compose.js';
export * from './context.js';
export * from './error-mapper.js';
export * from './errors.js';
export * from './logger.js';
export * from './principal.js';
export * from './state.js';
export * from './sugar.js';
export * from './version.js';
export * from './credential.js';
export * from './audit.js';
