/**
 * The run's certificate authority: one CA per run, made in the runner's
 * memory (its private key never touches disk), which issues the
 * coordinator's TLS certificate for each job. Every party gets only the CA's
 * certificate, so it can tell the real coordinator from anyone else on the
 * network. Keys are ECDSA P-256 from node:crypto (a key in about a
 * millisecond, where RSA-2048 took 50-170 ms); node:crypto cannot write a
 * certificate, so @peculiar/asn1-x509 lays out its fields (RFC 5280) and
 * node:crypto signs them.
 */
import { generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_kp_serverAuth,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509';

export interface RunCa {
  /** the CA certificate, PEM: what every party trusts */
  certPem: string;
  /** a certificate for the coordinator, valid for these host names and addresses */
  issue(hosts: readonly string[]): { certPem: string; keyPem: string };
}

const DAY = 24 * 3600 * 1000;
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
const COMMON_NAME = '2.5.4.3';

const p256 = () => generateKeyPairSync('ec', { namedCurve: 'P-256' });

const nameOf = (commonName: string) =>
  new Name([new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: commonName }) })])]);

const extension = (extnID: string, value: object, critical = false) =>
  new Extension({ extnID, critical, extnValue: new OctetString(AsnConvert.serialize(value)) });

function toPem(der: ArrayBuffer): string {
  const lines =
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.join('\n')}\n-----END CERTIFICATE-----\n`;
}

function certificate(o: { subject: string; issuer: string; publicKey: KeyObject; signer: KeyObject; extensions: Extension[] }): string {
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const serial = Buffer.concat([Buffer.of(1), randomBytes(8)]); // a leading 01: positive, and never a redundant zero byte
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: serial.buffer.slice(serial.byteOffset, serial.byteOffset + serial.byteLength),
    signature: algorithm,
    issuer: nameOf(o.issuer),
    validity: new Validity({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 7 * DAY) }),
    subject: nameOf(o.subject),
    subjectPublicKeyInfo: AsnConvert.parse(o.publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions(o.extensions),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), o.signer); // DER ECDSA-Sig-Value, as X.509 wants
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: signature.buffer.slice(signature.byteOffset, signature.byteOffset + signature.byteLength),
  });
  return toPem(AsnConvert.serialize(cert));
}

export function createRunCa(runId: string): RunCa {
  const ca = p256();
  const caName = `fedrisk run CA ${runId}`.slice(0, 64);
  const certPem = certificate({
    subject: caName,
    issuer: caName,
    publicKey: ca.publicKey,
    signer: ca.privateKey,
    extensions: [
      extension(id_ce_basicConstraints, new BasicConstraints({ cA: true, pathLenConstraint: 0 }), true),
      extension(id_ce_keyUsage, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign), true),
    ],
  });
  return {
    certPem,
    issue: (hosts) => {
      const leaf = p256();
      const ip = /^(\d{1,3}\.){3}\d{1,3}$|:/;
      const names = hosts.map((h) => new GeneralName(ip.test(h) ? { iPAddress: h } : { dNSName: h }));
      return {
        certPem: certificate({
          subject: 'fedrisk coordinator',
          issuer: caName,
          publicKey: leaf.publicKey,
          signer: ca.privateKey,
          extensions: [
            extension(id_ce_subjectAltName, new SubjectAlternativeName(names)),
            extension(id_ce_extKeyUsage, new ExtendedKeyUsage([id_kp_serverAuth])),
          ],
        }),
        keyPem: leaf.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      };
    },
  };
}
