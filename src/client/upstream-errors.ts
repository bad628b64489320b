// Turns what the SDK client throws while talking to an upstream into wire errors a downstream caller can act on,
// with credentials (URL user-info and query, credential fields, the spec's own secrets) scrubbed from the text.
import { InsufficientScopeError, SdkError, SdkErrorCode, SdkHttpError, UnauthorizedError } from '@modelcontextprotocol/client';
import { type Abortable, asWireError, ErrorCode, WireError } from '../core/index.js';
import { redactText } from '../core/redact.js';

/** The upstream forgot our session (it restarted, or expired it): worth one re-initialise and retry. */
export function isSessionGone(err: unknown): boolean {
  return err instanceof SdkHttpError && err.status === 404;
}

/** The connection ended under a request (the request itself may or may not have reached the server). */
export function isConnectionClosed(err: unknown): boolean {
  return err instanceof SdkError && err.code === SdkErrorCode.ConnectionClosed;
}

/** What the SDK throws for a reply it got but cannot read: not JSON, or content of an unexpected type. */
function isBadReply(err: unknown): boolean {
  if (err instanceof SdkError) return err.code === SdkErrorCode.ClientHttpUnexpectedContent;
  return err instanceof Error && err.name === 'SyntaxError';
}

/**
 * The server refused the token it was sent for want of scope (HTTP 403 `insufficient_scope`, naming what the call
 * needs). A caller without OAuth on that server gets it as is; with OAuth the gateway steps the grant up first
 * (src/gateway/isolation/router.ts).
 */
export class InsufficientScope extends WireError {
  constructor(
    server: string,
    /** The scopes the server's challenge named, space-separated (absent when it named none). */
    readonly requiredScope: string | undefined,
    readonly resourceMetadataUrl: URL | undefined,
  ) {
    super(ErrorCode.Forbidden, `Server '${server}' refused the call: its authorization lacks scope${requiredScope ? ` (it needs "${requiredScope}")` : ''}`);
  }
}

/**
 * The server refused the credentials it was sent, and the OAuth grant could not be refreshed (revoked, run out, or
 * its authorization server changed): a person must authorize again (the CLI asks; the gateway logs the URL).
 */
export class NeedsAuthorization extends WireError {
  constructor(server: string, why: string) {
    super(ErrorCode.UpstreamUnavailable, `Server '${server}' failed: ${why}`);
  }
}

export function upstreamError(name: string, err: unknown, timeoutMs: number, signal?: Abortable, secrets: Iterable<string> = []): WireError {
  const wire = asWireError(err);
  if (wire) {
    const message = redactText(wire.message, secrets);
    return message === wire.message ? wire : new WireError(wire.code, message, wire.data);
  }
  if (signal?.aborted) return new WireError(ErrorCode.InternalError, `Request to server '${name}' was cancelled`);
  if (err instanceof InsufficientScopeError) return new InsufficientScope(name, err.requiredScope, err.resourceMetadataUrl);
  if (err instanceof UnauthorizedError) return new NeedsAuthorization(name, redactText(err.message, secrets));
  // The server is up and answered; "unavailable" would send the caller to retry something that fails the same way.
  // The SDK's HTTP transport refused the body as a JSON-RPC message: its schema's issues, a dump no caller can use.
  if (err instanceof Error && Array.isArray((err as { issues?: unknown }).issues)) {
    return new WireError(ErrorCode.UpstreamBadReply, `Server '${name}' answered with a malformed response: not a JSON-RPC message (a result must be an object; an error an object with a numeric code and a string message)`);
  }
  if (isBadReply(err)) return new WireError(ErrorCode.UpstreamBadReply, `Server '${name}' sent a reply that cannot be used: ${redactText((err as Error).message, secrets)}`);
  if (err instanceof SdkError) {
    switch (err.code) {
      case SdkErrorCode.RequestTimeout:
        return new WireError(ErrorCode.Timeout, `Server '${name}' did not answer within ${timeoutMs} ms`);
      case SdkErrorCode.ConnectionClosed:
      case SdkErrorCode.NotConnected:
      case SdkErrorCode.SendFailed:
        return new WireError(ErrorCode.UpstreamUnavailable, `Server '${name}' went away while handling the request; try again shortly`);
      default:
        return new WireError(ErrorCode.InternalError, `Server '${name}' failed: ${redactText(err.message, secrets)}`);
    }
  }
  return new WireError(ErrorCode.UpstreamUnavailable, `Server '${name}' failed: ${redactText((err as Error)?.message ?? String(err), secrets)}`);
}
