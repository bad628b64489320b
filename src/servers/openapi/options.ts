// What the OpenAPI server can be told: the document, where requests may go, credentials (from the environment,
// never the config file) and the limits on each call.

export interface OpenApiAuth {
  type: 'bearer' | 'apiKey';
  /** The environment variable holding the token or key. */
  env: string;
  /** apiKey: the header or query parameter name. Default X-API-Key. */
  name?: string;
  /** apiKey: where it goes. Default header. */
  in?: 'header' | 'query';
}

export interface OpenApiOptions {
  /** Path or http(s) URL of an OpenAPI 3.x document (JSON or YAML). */
  spec: string;
  /** Where requests go; default the document's first `servers` entry. */
  baseUrl?: string;
  /** URL prefixes requests may go to; default just the base URL. A base URL outside them is refused. */
  allowedBaseUrls?: string[];
  /** Allow loopback, private, link-local and other internal addresses (off: SSRF guard). Default false. */
  allowPrivateNetwork?: boolean;
  auth?: OpenApiAuth;
  /** Largest response body read. Default 1 MiB. */
  maxResponseBytes?: number;
  /** Per request. Default 30 s. */
  requestTimeoutMs?: number;
  /** Where auth variables are read; default process.env. */
  env?: Record<string, string | undefined>;
}
