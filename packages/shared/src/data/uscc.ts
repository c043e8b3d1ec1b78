/**
 * Unified social credit codes (GB 32100-2015): the 18-character id every
 * Chinese business carries. Layout: registration authority (1), entity
 * category (1), administrative division (6), organisation code (8 + GB 11714
 * check character), and a final check character over the first 17.
 */
const ALPHABET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];
const ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2];
const ORG_ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

function orgCheck(body: string): string {
  let sum = 0;
  for (let i = 0; i < 8; i++) sum += ORG_ALPHABET.indexOf(body[i] ?? '') * (ORG_WEIGHTS[i] ?? 0);
  const c = 11 - (sum % 11);
  return c === 10 ? 'X' : c === 11 ? '0' : String(c);
}

function usccCheck(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += ALPHABET.indexOf(first17[i] ?? '') * (USCC_WEIGHTS[i] ?? 0);
  return ALPHABET[(31 - (sum % 31)) % 31] as string;
}

/** Builds a valid code from an administrative division code and an 8-digit serial. */
export function makeUscc(division: string, serial: number): string {
  if (!/^\d{6}$/.test(division)) throw new Error(`division code must be 6 digits, got ${division}`);
  const org = String(serial % 100_000_000).padStart(8, '0');
  const first17 = `91${division}${org}${orgCheck(org)}`;
  return first17 + usccCheck(first17);
}

/** Why a string is not a valid code, or undefined when it is. */
export function usccProblem(code: string): string | undefined {
  if (code.length !== 18) return `must have 18 characters, has ${code.length}`;
  for (const ch of code) if (!ALPHABET.includes(ch)) return `character "${ch}" is not allowed (I, O, S, V, Z and lower case are never used)`;
  if (!/^\d{6}$/.test(code.slice(2, 8))) return 'characters 3-8 must be a 6-digit administrative division code';
  if (usccCheck(code.slice(0, 17)) !== code[17]) return 'check character does not match';
  return undefined;
}

/** Each allowed character's value (-1: not allowed), for usccValid. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;

/** usccProblem(code) === undefined, in one pass and without allocating (loaders check a million ids). */
export function usccValid(code: string): boolean {
  if (code.length !== 18) return false;
  let sum = 0;
  for (let i = 0; i < 17; i++) {
    const c = code.charCodeAt(i);
    const v = c < 128 ? (VALUE[c] as number) : -1;
    if (v < 0 || (i >= 2 && i < 8 && v > 9)) return false;
    sum += v * (USCC_WEIGHTS[i] as number);
  }
  const last = code.charCodeAt(17);
  return last < 128 && (VALUE[last] as number) >= 0 && ALPHABET[(31 - (sum % 31)) % 31] === code[17];
}
