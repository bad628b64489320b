// Fixed payloads the conformance fixture serves, shared with the exact-value tests so both sides agree.
// Names and texts follow @modelcontextprotocol/conformance (0.1.16, 0.2.0-alpha.12) and its reference everything-server.

/** A 1×1 red PNG. */
export const TEST_IMAGE_BASE64 = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A minimal WAV file. */
export const TEST_AUDIO_BASE64 = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEAQB8AAAB9AAACABAAZGF0YQIAAAA=';

export const TEXT = {
  simple: 'This is a simple text response for testing.',
  error: 'This tool intentionally returns an error for testing',
  embedded: 'This is an embedded resource content.',
  mixedIntro: 'Multiple content types test:',
  logging: 'Tool with logging executed successfully',
  logLines: ['Tool execution started', 'Tool processing data', 'Tool execution completed'],
  reconnection:
    'Reconnection test completed successfully. If you received this, the client properly reconnected after stream closure.',
  staticText: 'This is the content of the static text resource.',
  watched: 'Watched resource content',
  simplePrompt: 'This is a simple prompt for testing.',
  embeddedPrompt: 'Embedded resource content for testing.',
  embeddedPromptTail: 'Please process the embedded resource above.',
  imagePromptTail: 'Please analyze the image above.',
} as const;

/** SEP-1613/SEP-2106: kept verbatim on the wire ($schema, $defs, $anchor, allOf, if/then/else, additionalProperties). */
export const JSON_SCHEMA_2020_12 = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object' as const,
  $defs: {
    address: {
      $anchor: 'addressDef',
      type: 'object',
      properties: { street: { type: 'string' }, city: { type: 'string' } },
    },
  },
  properties: {
    name: { type: 'string' },
    address: { $ref: '#/$defs/address' },
    contactMethod: { type: 'string', enum: ['phone', 'email'] },
    phone: { type: 'string' },
    email: { type: 'string' },
  },
  allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
  if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
  // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword `then`, kept verbatim (SEP-2106)
  then: { required: ['phone'] },
  else: { required: ['email'] },
  additionalProperties: false,
};

/** Texts of the 2026-07-28 tools (fixture-input.ts). */
export const INPUT_TEXT = {
  noCapabilities: 'No input asked: the client declared neither sampling nor elicitation',
  logLines: ['Logging tool started', 'Logging tool working', 'Logging tool done'],
} as const;

/** SEP-1330: the five enum forms, as raw JSON Schema (enumNames has no zod spelling). */
export const ENUM_FORM = {
  type: 'object' as const,
  properties: {
    untitledSingle: { type: 'string', description: 'Select one option', enum: ['option1', 'option2', 'option3'] },
    titledSingle: {
      type: 'string',
      description: 'Select one option with titles',
      oneOf: [
        { const: 'value1', title: 'First Option' },
        { const: 'value2', title: 'Second Option' },
        { const: 'value3', title: 'Third Option' },
      ],
    },
    legacyEnum: {
      type: 'string',
      description: 'Select one option (legacy)',
      enum: ['opt1', 'opt2', 'opt3'],
      enumNames: ['Option One', 'Option Two', 'Option Three'],
    },
    untitledMulti: {
      type: 'array',
      description: 'Select multiple options',
      minItems: 1,
      maxItems: 3,
      items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
    },
    titledMulti: {
      type: 'array',
      description: 'Select multiple options with titles',
      minItems: 1,
      maxItems: 3,
      items: {
        anyOf: [
          { const: 'value1', title: 'First Choice' },
          { const: 'value2', title: 'Second Choice' },
          { const: 'value3', title: 'Third Choice' },
        ],
      },
    },
  },
  required: [] as string[],
};

/** Candidates offered for `test_prompt_with_arguments` arguments (filtered by prefix). */
export const COMPLETIONS = ['paris', 'park', 'party', 'test-alpha', 'test-beta'];
