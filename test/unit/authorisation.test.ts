/**
 * A holder's check of a business's authorisation, and the signatures it
 * remembers for the run: a remembered check covers exactly the authorisation
 * that was verified, never an altered one, and purpose, expiry and sources
 * are still checked every time.
 */
import { type Authorisation, businessKeyPair, checkAuthorisation, signAuthorisation, type VerifiedSignatures } from '@fedrisk/shared';
import { describe, expect, it } from 'vitest';

const business = businessKeyPair(new Uint8Array(32).fill(7));
const grant = signAuthorisation(business.privateKey, { business: 'B1', bank: 'bank', purpose: 'credit assessment', sources: ['tax'], expiresDay: 100 });
const check = (a: Authorisation, memo?: VerifiedSignatures, today = 50) =>
  checkAuthorisation(a, { businessKey: business.publicKey, bank: 'bank', purpose: 'credit assessment', holder: 'tax', today, memo });
const fresh = (): VerifiedSignatures => ({ known: new Set(), verified: 0, remembered: 0 });

describe('authorisations', () => {
  it('a valid grant is valid; each altered field, or another key, makes it a bad signature', () => {
    expect(check(grant)).toBe('valid');
    expect(check({ ...grant, expiresDay: 101 })).toBe('signature');
    expect(check({ ...grant, sources: ['tax', 'guarantor'] })).toBe('signature');
    expect(
      checkAuthorisation(grant, {
        businessKey: businessKeyPair(new Uint8Array(32)).publicKey,
        bank: 'bank',
        purpose: 'credit assessment',
        holder: 'tax',
        today: 50,
      }),
    ).toBe('signature');
  });

  it('a signature verified once in the run is remembered, not verified again', () => {
    const memo = fresh();
    expect(check(grant, memo)).toBe('valid');
    expect(memo).toMatchObject({ verified: 1, remembered: 0 });
    expect(check(grant, memo)).toBe('valid');
    expect(memo).toMatchObject({ verified: 1, remembered: 1 });
  });

  it('a remembered signature covers only that authorisation: an altered one is verified, and refused', () => {
    const memo = fresh();
    check(grant, memo);
    expect(check({ ...grant, expiresDay: 200 }, memo)).toBe('signature');
    expect(memo).toMatchObject({ verified: 1, remembered: 0 });
  });

  it('a bad signature is never remembered; expiry and sources are checked every time', () => {
    const memo = fresh();
    const forged = { ...grant, signature: Buffer.alloc(64, 1).toString('base64') };
    expect(check(forged, memo)).toBe('signature');
    expect(memo.known.size).toBe(0);
    check(grant, memo);
    expect(check(grant, memo, 150)).toBe('expired');
    expect(
      checkAuthorisation(grant, { businessKey: business.publicKey, bank: 'bank', purpose: 'credit assessment', holder: 'guarantor', today: 50, memo }),
    ).toBe('source');
    expect(memo.remembered).toBe(2);
  });
});
