// HTTPS for the edge: the listener's certificate and key, and for mutual TLS the CA that client certificates
// must chain to; a verified client certificate's names are read once per connection for authentication.
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { ClientCertificate } from '../../middleware/auth/index.js';

export interface TlsOptions {
  /** PEM certificate chain of this server. */
  cert: string | Buffer;
  /** PEM private key. */
  key: string | Buffer;
  /** PEM CA certificate(s) client certificates must chain to; enables mTLS (the certificate is requested). */
  ca?: string | Buffer;
  /** Refuse TLS connections without a valid client certificate (otherwise they may authenticate another way). Default false. */
  requireClientCert?: boolean;
}

/** Options for `https.createServer`. */
export function httpsOptions(t: TlsOptions) {
  return {
    cert: t.cert,
    key: t.key,
    ...(t.ca !== undefined && { ca: t.ca, requestCert: true, rejectUnauthorized: t.requireClientCert ?? false }),
  };
}

const certificates = new WeakMap<object, ClientCertificate | null>();

/** The client certificate TLS verified against the CA on this request's connection, if any. */
export function clientCertificateOf(req: IncomingMessage): ClientCertificate | undefined {
  const socket = req.socket as TLSSocket;
  if (!socket.encrypted || !socket.authorized) return undefined;
  let cert = certificates.get(socket);
  if (cert === undefined) {
    const peer = socket.getPeerCertificate();
    cert =
      peer && Object.keys(peer).length > 0
        ? {
            ...(typeof peer.subject?.CN === 'string' && { subjectCN: peer.subject.CN }),
            subjectAltNames: peer.subjectaltname ? peer.subjectaltname.split(', ') : [],
            ...(peer.fingerprint256 && { fingerprint256: peer.fingerprint256 }),
          }
        : null;
    certificates.set(socket, cert);
  }
  return cert ?? undefined;
}
