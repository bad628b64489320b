// The servers shipped in the package, by name (what `mcplex demo <name>` serves over stdio).
// Each is loaded when asked for.
import type { McplexServer } from '../server/index.js';

export const bundledServers: Record<string, () => Promise<McplexServer>> = {
  demo: async () => (await import('./demo.js')).createDemoServer(),
  notes: async () => (await import('./notes.js')).createNotesServer(),
};
