// A small stateful demo server: notes kept in memory, exposed as tools and as resources with subscriptions.
import { z } from 'zod';
import { VERSION } from '../core/index.js';
import { createServer, type McplexServer } from '../server/index.js';

export function createNotesServer(): McplexServer {
  const server = createServer({ name: 'mcplex-notes', version: VERSION, instructions: 'Keeps short notes in memory.' });
  const notes = new Map<string, string>();

  server.tool(
    'add_note',
    { description: 'Saves a note under a title (replacing any note with that title)', input: z.object({ title: z.string().min(1), text: z.string() }) },
    ({ title, text }) => {
      notes.set(title, text);
      server.resourceUpdated(`notes://${encodeURIComponent(title)}`);
      return `saved '${title}'`;
    },
  );
  server.tool('list_notes', { description: 'Lists the titles of all notes', input: z.object({}), annotations: { readOnlyHint: true } }, () => ({
    structuredContent: { titles: [...notes.keys()] },
  }));
  server.resourceTemplate('notes://{title}', { name: 'note', mimeType: 'text/plain', description: 'One note by title' }, (uri, vars) => {
    const title = decodeURIComponent(String(vars.title));
    return { contents: [{ uri: uri.href, mimeType: 'text/plain', text: notes.get(title) ?? '' }] };
  }, { complete: { title: (value) => [...notes.keys()].filter((t) => t.startsWith(value)) } });
  return server;
}
