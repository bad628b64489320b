// Tool names as callers' models take them: the Anthropic and OpenAI APIs refuse a tool whose name is longer than 64
// characters (their pattern is ^[a-zA-Z0-9_-]{1,64}$), so a host that passes the gateway's list on fails whole. A
// namespace makes a long name longer: the gateway warns once per name, and `mcplex check --connect` names them.

/** The longest tool name the model APIs take. */
export const MODEL_NAME_LIMIT = 64;

export const tooLongForModels = (name: string): boolean => name.length > MODEL_NAME_LIMIT;

/** What to tell the operator about a server's tool names that are too long, and how to shorten them. */
export function longNamesNote(server: string, names: readonly string[]): string {
  const shown = names.slice(0, 3).join(', ');
  const more = names.length > 3 ? ` and ${names.length - 3} more` : '';
  return `${names.length} tool name${names.length === 1 ? '' : 's'} longer than ${MODEL_NAME_LIMIT} characters, which the Anthropic and OpenAI APIs refuse: ${shown}${more} (shorten with servers.${server}.tools.rename or a shorter namespace)`;
}
