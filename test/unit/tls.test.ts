/** The run's CA (no sockets): what it issues chains to it, names exactly the hosts asked for, and nothing else verifies under it. */
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { createRunCa } from '@fedrisk/runner';
import { describe, expect, it } from 'vitest';

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

  it("another run's CA does not vouch for this run's coordinator, and serial numbers differ", () => {
    const a = createRunCa('run-a');
    const b = createRunCa('run-b');
    const leaf = new X509Certificate(a.issue(['127.0.0.1']).certPem);
    const other = new X509Certificate(b.certPem);
    expect(leaf.verify(other.publicKey)).toBe(false);
    expect(new X509Certificate(a.issue(['127.0.0.1']).certPem).serialNumber).not.toBe(leaf.serialNumber);
  });
});
