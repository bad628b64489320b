// SHA-256 of a text in one call: node's one-shot `crypto.hash` (Node ≥ 20.12) where it exists, which costs about
// half of a createHash object's update/digest round; cache keys, audit digests and API keys hash on every request.
import * as crypto from 'node:crypto';

type OneShot = (algorithm: string, data: string, outputEncoding: 'hex' | 'base64url') => string;
const oneShot = (crypto as unknown as { hash?: OneShot }).hash;

export function sha256(text: string, encoding: 'hex' | 'base64url' = 'hex'): string {
  return oneShot ? oneShot('sha256', text, encoding) : crypto.createHash('sha256').update(text, 'utf8').digest(encoding);
}
