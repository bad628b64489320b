// Reading a Prometheus /metrics page in tests: fetch it, and pick one sample's value by name and labels.

/** The value of one sample line, e.g. `mcp_requests_total{method="tools/call",…} 4`; undefined when absent. */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return undefined;
}

/** The sum of every sample of `name` whose labels include `labels`. */
export function sumSamples(text: string, name: string, labels: Record<string, string>): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const body = /\{(.*)\}/.exec(line)?.[1] ?? '';
    const got = Object.fromEntries([...body.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

export async function scrape(url: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; type: string | null }> {
  const res = await fetch(url, { headers });
  return { status: res.status, text: await res.text(), type: res.headers.get('content-type') };
}

/** One sample from the server at `base`'s /metrics. */
export async function scrapeSample(base: string, name: string, labels: Record<string, string>, headers?: Record<string, string>): Promise<number | undefined> {
  return sample((await scrape(new URL('/metrics', base).href, headers)).text, name, labels);
}
