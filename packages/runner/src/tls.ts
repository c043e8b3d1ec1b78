/**
 * The run's certificate authority: one CA per run, made in the runner's
 * memory (its private key never touches disk), which issues the
 * coordinator's TLS certificate for each job. Every party gets only the CA's
 * certificate, so it can tell the real coordinator from anyone else on the
 * network. node-forge builds the certificates (node:crypto cannot); the RSA
 * keys come from node:crypto.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import forge from 'node-forge';

export interface RunCa {
  /** the CA certificate, PEM: what every party trusts */
  certPem: string;
  /** a certificate for the coordinator, valid for these host names and addresses */
  issue(hosts: readonly string[]): { certPem: string; keyPem: string };
}

const DAY = 24 * 3600 * 1000;

function rsa(): { forgeKey: forge.pki.rsa.PrivateKey; publicKey: forge.pki.rsa.PublicKey; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  return {
    forgeKey: forge.pki.privateKeyFromPem(keyPem),
    publicKey: forge.pki.publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString()),
    keyPem,
  };
}

function certificate(subject: string, publicKey: forge.pki.rsa.PublicKey, days: number): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = publicKey;
  cert.serialNumber = `01${randomBytes(8).toString('hex')}`;
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + days * DAY);
  cert.setSubject([{ name: 'commonName', value: subject }]);
  return cert;
}

export function createRunCa(runId: string): RunCa {
  const ca = rsa();
  const name = [{ name: 'commonName', value: `fedrisk run CA ${runId}`.slice(0, 64) }];
  const caCert = certificate(name[0]?.value as string, ca.publicKey, 7);
  caCert.setIssuer(name);
  caCert.setExtensions([
    { name: 'basicConstraints', cA: true, pathLenConstraint: 0, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
  ]);
  caCert.sign(ca.forgeKey, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(caCert),
    issue: (hosts) => {
      const leaf = rsa();
      const cert = certificate('fedrisk coordinator', leaf.publicKey, 7);
      cert.setIssuer(name);
      const ip = /^(\d{1,3}\.){3}\d{1,3}$|:/;
      cert.setExtensions([
        { name: 'subjectAltName', altNames: hosts.map((h) => (ip.test(h) ? { type: 7, ip: h } : { type: 2, value: h })) },
        { name: 'extKeyUsage', serverAuth: true },
      ]);
      cert.sign(ca.forgeKey, forge.md.sha256.create());
      return { certPem: forge.pki.certificateToPem(cert), keyPem: leaf.keyPem };
    },
  };
}
