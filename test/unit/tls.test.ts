/** The run's CA (no sockets): what it issues chains to it, names exactly the hosts asked for, and nothing else verifies under it. */
import { createHash, createPrivateKey, X509Certificate } from 'node:crypto';
import { createRunCa } from '@fedrisk/runner';
import { AsnConvert } from '@peculiar/asn1-schema';
import { AuthorityKeyIdentifier, Certificate, id_ce_authorityKeyIdentifier, id_ce_subjectKeyIdentifier, SubjectKeyIdentifier } from '@peculiar/asn1-x509';
import { describe, expect, it } from 'vitest';
import { codeOf } from '../helpers/fixtures.ts';

/** The DER of a PEM certificate. */
const derOf = (pem: string) => new X509Certificate(pem).raw;
/** AlgorithmIdentifier { ecdsa-with-SHA256 } with no parameters (RFC 5758 3.2: absent, not NULL): 30 0a 06 08 2a8648ce3d040302 */
const ECDSA_SHA256 = Buffer.from('300a06082a8648ce3d040302', 'hex');

function occurrences(hay: Buffer, needle: Buffer): number {
  let n = 0;
  for (let at = hay.indexOf(needle); at >= 0; at = hay.indexOf(needle, at + 1)) n++;
  return n;
}

/** The certificate's key identifiers, and the SHA-1 of its public key bits they should hold. */
function keyIds(pem: string) {
  const cert = AsnConvert.parse(derOf(pem), Certificate);
  const ext = (id: string) => cert.tbsCertificate.extensions?.find((e) => e.extnID === id)?.extnValue.buffer;
  const ski = ext(id_ce_subjectKeyIdentifier);
  const aki = ext(id_ce_authorityKeyIdentifier);
  return {
    subject: ski && Buffer.from(AsnConvert.parse(ski, SubjectKeyIdentifier).buffer).toString('hex'),
    authority: aki && Buffer.from((AsnConvert.parse(aki, AuthorityKeyIdentifier).keyIdentifier as SubjectKeyIdentifier).buffer).toString('hex'),
    ofKey: createHash('sha1').update(Buffer.from(cert.tbsCertificate.subjectPublicKeyInfo.subjectPublicKey)).digest('hex'),
    serialFirstByte: new Uint8Array(cert.tbsCertificate.serialNumber)[0] as number,
  };
}

describe("the run's certificate authority", () => {
  it('issues a coordinator certificate for exactly the given addresses and names, signed by the run CA alone', () => {
    const ca = createRunCa('20261128-unit');
    const caCert = new X509Certificate(ca.certPem);
    expect(caCert.ca).toBe(true);
    expect(caCert.subject).toBe('CN=fedrisk run CA 20261128-unit');
    expect(caCert.verify(caCert.publicKey)).toBe(true);
    const { certPem, keyPem } = ca.issue(['10.77.0.1', 'coordinator.example', '::1']);
    const leaf = new X509Certificate(certPem);
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe('IP Address:10.77.0.1, DNS:coordinator.example, IP Address:0:0:0:0:0:0:0:1');
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']); // serverAuth
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIP('10.77.0.1')).toBe('10.77.0.1');
    expect(leaf.checkIP('10.77.0.2')).toBeUndefined();
    expect(leaf.checkHost('coordinator.example')).toBe('coordinator.example');
    // the key matches the certificate, and is the short-lived P-256 kind
    const key = createPrivateKey(keyPem);
    expect(key.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    expect(leaf.checkPrivateKey(key)).toBe(true);
    const days = (Date.parse(leaf.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.1);
  });

  it('writes what strict verifiers want: the signature algorithm without parameters, a positive serial, and both key identifiers', () => {
    const ca = createRunCa('strict');
    const leafPem = ca.issue(['127.0.0.1']).certPem;
    for (const pem of [ca.certPem, leafPem]) {
      // once inside the signed part, once beside the signature
      expect(occurrences(derOf(pem), ECDSA_SHA256)).toBe(2);
      const ids = keyIds(pem);
      expect(ids.serialFirstByte).toBeGreaterThanOrEqual(0x01);
      expect(ids.serialFirstByte).toBeLessThanOrEqual(0x7f);
      expect(ids.subject).toBe(ids.ofKey);
    }
    // the leaf names the CA's key, and the CA its own
    expect(keyIds(leafPem).authority).toBe(keyIds(ca.certPem).subject);
    expect(keyIds(ca.certPem).authority).toBe(keyIds(ca.certPem).subject);
  });

  it('refuses, with a coded error, a host it could not name exactly', () => {
    const ca = createRunCa('hosts');
    for (const host of ['::ffff:192.0.2.1', 'fe80::1%eth0', '::1/128', '999.1.1.1', 'host:8443', '', 'a b'])
      expect(
        codeOf(() => ca.issue([host])),
        host,
      ).toBe('CONFIG_ERR_INVALID');
    expect(new X509Certificate(ca.issue(['2001:db8::1', 'coordinator-1.bank.example']).certPem).subjectAltName).toBe(
      'IP Address:2001:DB8:0:0:0:0:0:1, DNS:coordinator-1.bank.example',
    );
  });

  it("another run's CA does not vouch for this run's coordinator, and serial numbers differ", () => {
    const a = createRunCa('run-a');
    const b = createRunCa('run-b');
    const leaf = new X509Certificate(a.issue(['127.0.0.1']).certPem);
    const other = new X509Certificate(b.certPem);
    expect(leaf.verify(other.publicKey)).toBe(false);
    expect(new X509Certificate(a.issue(['127.0.0.1']).certPem).serialNumber).not.toBe(leaf.serialNumber);
  });
});
