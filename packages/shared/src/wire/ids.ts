/** Names that appear on the wire and in configs: parties, roles, record ids, jobs, designs. */
import { z } from 'zod';

export const partyIdSchema = z.string().regex(/^[a-z][a-z0-9-]{0,31}$/, 'party id: lowercase letters, digits and -, at most 32 characters');
/**
 * bank, tax, guarantor and the optional power utility, social security and logistics platform have fixed
 * synthetic columns; a holder's columns come from its scenario (real data)
 */
export const roleSchema = z.enum(['bank', 'tax', 'guarantor', 'power', 'social', 'logistics', 'holder']);
export type Role = z.infer<typeof roleSchema>;
/** A record id: a unified social credit code for synthetic SMEs, or a data set's own key (letters, digits, _ . : -). */
export const RECORD_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const recordIdSchema = z.string().regex(RECORD_ID_PATTERN, 'a record id: letters, digits, _ . : -, at most 64 characters');
export const idFormatSchema = z.enum(['uscc', 'plain']);
export type IdFormat = z.infer<typeof idFormatSchema>;
export const jobIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);
/** What a job computes: joint scores, or a jointly trained model. */
export const jobKindSchema = z.enum(['scoring', 'training']);
export type JobKind = z.infer<typeof jobKindSchema>;
/**
 * A scoring design: who holds decryption keys, under which scheme. CKKS with the recipient alone
 * holding the key, or every party a share (n-of-n); per-value Paillier under the recipient's key
 * (as FATE's hetero-LR); or plaintext, no encryption at all (the cost floor).
 */
export const keysSchema = z.enum(['single-holder', 'threshold', 'plaintext', 'paillier']);
/** The designs that encrypt with CKKS (the others are jobs of their own: coordinator and node jobs/designs). */
export const CKKS_DESIGNS: readonly KeysDesign[] = ['single-holder', 'threshold'];
export type KeysDesign = z.infer<typeof keysSchema>;
/** How records are aligned: an explicit applicant list, or private set intersection. */
export const alignmentSchema = z.enum(['query', 'psi', 'psi-cardinality']);
export type Alignment = z.infer<typeof alignmentSchema>;
/**
 * How PSI maps an id to the curve: sha256, SHA-256 of the id used directly as an X25519
 * u-coordinate (one scalar multiplication per id, no map; curve or twist); random-oracle,
 * two Elligator 2 maps into the prime-order subgroup, added (RFC 9380). docs/SECURITY.md compares them.
 */
export const psiHashSchema = z.enum(['sha256', 'random-oracle']);
export type PsiHash = z.infer<typeof psiHashSchema>;
/** The coordinator's phases, in the order a job may pass through them. */
export const phaseNameSchema = z.enum(['join', 'align', 'keys', 'query', 'encrypt', 'aggregate', 'decrypt', 'reasons', 'train']);
export type PhaseName = z.infer<typeof phaseNameSchema>;
