// The part of oidc-provider (which ships no types) the tests use: test/helpers/oidc-idp.ts.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';
  export default class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (ctx: never, ...rest: never[]) => void): this;
    readonly AccessToken: { find(token: string): Promise<{ accountId: string; jkt?: string; destroy(): Promise<void> } | undefined> };
    readonly RefreshToken: { find(token: string): Promise<{ isExpired: boolean; consumed?: unknown } | undefined> };
  }
}
