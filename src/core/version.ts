// mcplex's own version, as every component reports it (serverInfo, clientInfo, `mcplex --version`).
// Kept equal to package.json's by a test.
export const VERSION = '0.1.0';
