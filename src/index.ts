// mcplex: the package entry point.
export * from './core/index.js';
export * from './server/index.js';
