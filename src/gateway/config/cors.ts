// `listen.cors`: browser pages at these origins may call the gateway across origins (the Inspector's web UI in
// direct mode, a web app on the SDK's client). Part of the `listen:` section (schema.ts).
import { z } from 'zod';
import { corsOriginProblem } from '../../server/index.js';
import { credentialMethodsOf } from './auth.js';
import type { Issue } from './errors.js';
import { strict } from './hints.js';

const origin = z.string({ error: "expected an origin such as https://app.example.com, or '*'" }).superRefine((o, ctx) => {
  const problem = corsOriginProblem(o);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

export const corsSchema = strict(
  {
    origins: z.array(origin, { error: 'expected a list of origins (e.g. [http://localhost:6274, https://app.example.com])' }).min(1, { error: 'expected at least one origin' }),
    maxAgeSeconds: z.number({ error: 'expected seconds (0-86400)' }).int().min(0).max(86_400, { error: 'expected seconds (0-86400)' }).optional(),
  },
  'expected a mapping with origins and optional maxAgeSeconds',
);

/** Any origin may call only a gateway that knows who calls: otherwise every web page a person opens could. */
export function checkCors(root: Record<string, unknown>, issues: Issue[]): void {
  const cors = (root.listen as { cors?: { origins?: unknown } } | undefined)?.cors;
  if (!Array.isArray(cors?.origins) || !cors.origins.includes('*')) return;
  const auth = root.auth as Record<string, unknown> | undefined;
  if (credentialMethodsOf(auth).length === 0 || auth?.anonymous) {
    issues.push({ path: ['listen', 'cors', 'origins'], message: "'*' lets any web page a person opens call this gateway's tools: configure auth (apiKeys, jwt, introspection or mtls, without anonymous) or name the origins" });
  }
}
