// The words that name the commands of each group defined in its own module: main.ts loads a group only when one of
// its words is the first argument (test/cli/startup.test.ts checks each group defines exactly these).
export const GROUP_WORDS = {
  client: ['tools', 'call', 'resources', 'read', 'prompts', 'prompt'],
  admin: ['admin'],
  audit: ['audit'],
  oauth: ['oauth'],
  server: ['server'],
} as const satisfies Record<string, readonly string[]>;
