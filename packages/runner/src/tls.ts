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
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { FedError } from '@fedrisk/shared';
import { AsnConvert, OctetString } from '@peculiar/asn1-schema';
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  AuthorityKeyIdentifier,
  BasicConstraints,
  Certificate,
  ExtendedKeyUsage,
  Extension,
  Extensions,
  GeneralName,
  id_ce_authorityKeyIdentifier,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  id_ce_keyUsage,
  id_ce_subjectAltName,
  id_ce_subjectKeyIdentifier,
  id_kp_serverAuth,
  KeyIdentifier,
  KeyUsage,
  KeyUsageFlags,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectKeyIdentifier,
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

/** The bytes of a Buffer as the ArrayBuffer the ASN.1 classes take (a Buffer may be a view into a larger pool). */
const arrayBufferOf = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

const spkiOf = (publicKey: KeyObject) => AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo);

/** The key's identifier (RFC 5280 4.2.1.2, method 1): the SHA-1 of its public key bits. */
function keyIdOf(spki: SubjectPublicKeyInfo): ArrayBuffer {
  return arrayBufferOf(createHash('sha1').update(Buffer.from(spki.subjectPublicKey)).digest());
}

/** Who signs a certificate: its name, its private key and its key's identifier. */
interface Issuer {
  name: string;
  key: KeyObject;
  keyId: ArrayBuffer;
}

function certificate(o: { subject: string; spki: SubjectPublicKeyInfo; issuer: Issuer; extensions: Extension[] }): string {
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 });
  const serial = Buffer.concat([Buffer.of(1), randomBytes(8)]); // a leading 01: positive, and never a redundant zero byte
  // strict verifiers (openssl -x509_strict, Python 3.13) want both key identifiers
  const ski = extension(id_ce_subjectKeyIdentifier, new SubjectKeyIdentifier(keyIdOf(o.spki)));
  const aki = extension(id_ce_authorityKeyIdentifier, new AuthorityKeyIdentifier({ keyIdentifier: new KeyIdentifier(o.issuer.keyId) }));
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: arrayBufferOf(serial),
    signature: algorithm,
    issuer: nameOf(o.issuer.name),
    validity: new Validity({ notBefore: new Date(Date.now() - 60_000), notAfter: new Date(Date.now() + 7 * DAY) }),
    subject: nameOf(o.subject),
    subjectPublicKeyInfo: o.spki,
    extensions: new Extensions([...o.extensions, ski, aki]),
  });
  const signature = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), o.issuer.key); // DER ECDSA-Sig-Value, as X.509 wants
  const cert = new Certificate({
    tbsCertificate: tbs,
    signatureAlgorithm: algorithm,
    signatureValue: arrayBufferOf(signature),
  });
  // node:crypto reads the DER back and writes the PEM
  return new X509Certificate(Buffer.from(AsnConvert.serialize(cert))).toString();
}

/** A host the coordinator is reached at, as a subject alternative name: an IPv4 or IPv6 address, or a DNS name. */
function altName(host: string): GeneralName {
  const version = isIP(host);
  // the encoder would cut an IPv4-mapped IPv6 address short (the plain IPv4 address says the same) and drop a zone
  if (version === 4 || (version === 6 && !/[.%]/.test(host))) return new GeneralName({ iPAddress: host });
  // a name, not a mistyped address: its last label is not all digits (RFC 1123)
  if (
    version === 0 &&
    !/(^|\.)[0-9]+$/.test(host) &&
    /^(?=.{1,253}$)[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(host)
  )
    return new GeneralName({ dNSName: host });
  throw new FedError(
    'CONFIG_ERR_INVALID',
    `the coordinator's certificate cannot name "${host.slice(0, 80)}": give an IPv4 or IPv6 address (no zone, prefix or IPv4-mapped form) or a host name`,
  );
}

export function createRunCa(runId: string): RunCa {
  const ca = p256();
  const spki = spkiOf(ca.publicKey);
  const issuer: Issuer = { name: `fedrisk run CA ${runId}`.slice(0, 64), key: ca.privateKey, keyId: keyIdOf(spki) };
  const certPem = certificate({
    subject: issuer.name,
    spki,
    issuer,
    extensions: [
      extension(id_ce_basicConstraints, new BasicConstraints({ cA: true, pathLenConstraint: 0 }), true),
      extension(id_ce_keyUsage, new KeyUsage(KeyUsageFlags.keyCertSign | KeyUsageFlags.cRLSign), true),
    ],
  });
  return {
    certPem,
    issue: (hosts) => {
      const names = hosts.map(altName);
      const leaf = p256();
      return {
        certPem: certificate({
          subject: 'fedrisk coordinator',
          spki: spkiOf(leaf.publicKey),
          issuer,
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
