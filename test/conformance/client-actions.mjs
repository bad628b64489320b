// What a user does in each of the conformance suite's client scenarios, with the mcplex CLI: the tool calls the
// scenario's server expects (the arguments its context gives, or those it documents), answers to its questions on
// stdin, and for the auth scenarios a list first (which signs in) and a call of the first tool (which may ask for
// more scope). Shared by cli-client.mjs (the CLI as the client) and gateway-client.mjs (the CLI through a gateway).
// `mcplex(args, input)` runs one command against the server and resolves with `{ out, code }`; `prefix` is what the
// tools' names carry where they are seen (a gateway's `up__`). Resolves with the exit code of the first command that
// failed, else 0.
export async function act(scenario, context, { mcplex, prefix = '' }) {
  let code = 0;
  const step = async (run) => {
    const r = await run;
    code ||= r.code;
    return r;
  };
  const call = (name, args = {}, input) => step(mcplex(['call', `${prefix}${name}`, '--args', JSON.stringify(args)], input));
  const tools = async () => {
    const listed = await step(mcplex(['tools', '--json']));
    return listed.code === 0 ? JSON.parse(listed.out) : [];
  };
  if (Array.isArray(context.toolCalls)) {
    for (const c of context.toolCalls) await call(c.name, c.arguments ?? {});
  } else if (scenario === 'tools_call') {
    await call('add_numbers', { a: 1, b: 2 });
  } else if (scenario === 'elicitation-sep1034-client-defaults') {
    // Every field left empty: its default is taken.
    await call('test_client_elicitation_defaults', {}, '\n'.repeat(10));
  } else if (scenario === 'sse-retry') {
    await call('test_reconnection');
  } else if (scenario === 'json-schema-2020-12-preservation') {
    const tool = (await tools()).find((t) => t.name === `${prefix}json_schema_2020_12_tool`);
    await call('json_schema_echo', { schema: tool?.inputSchema ?? {} });
  } else if (scenario === 'sep-2322-client-request-state') {
    for (const name of ['test_mrtr_echo_state', 'test_mrtr_no_state', 'test_mrtr_unrelated', 'test_mrtr_no_result_type']) await call(name, {}, 'y\n'.repeat(5));
  } else if (scenario === 'http-invalid-tool-headers') {
    await call('valid_tool', { region: 'us-west1' });
  } else if (scenario.startsWith('auth/')) {
    const first = (await tools())[0]?.name;
    if (first) await call(first.slice(prefix.length));
  } else {
    await step(mcplex(['tools']));
  }
  return code;
}
