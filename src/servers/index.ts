// The servers shipped in the package, by name (what `mcplex demo <name>` serves over stdio).
import type { McplexServer } from '../server/index.js';
import { createDemoServer } from './demo.js';
import { createNotesServer } from './notes.js';

export const bundledServers: Record<string, () => McplexServer> = {
  demo: () => createDemoServer(),
  notes: () => createNotesServer(),
};
