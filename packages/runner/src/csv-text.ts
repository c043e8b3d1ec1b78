/**
 * Builds a large ASCII CSV text in a growing byte buffer, writing numbers
 * digit by digit: a million-row party file costs a fraction of a second, where
 * a string per line costs seconds. Every number is written exactly as
 * String(x) writes it (the generator's files must keep their bytes):
 * integers by their digits, values with at most four decimals (which is how
 * the generator rounds) by their decimal digits, anything else by numberText (the same text).
 */
import { numberText } from '@fedrisk/shared';

export class CsvText {
  #buf = Buffer.allocUnsafe(1 << 20);
  #pos = 0;

  #room(n: number): void {
    if (this.#pos + n <= this.#buf.length) return;
    let size = this.#buf.length * 2;
    while (size < this.#pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.#buf.copy(next, 0, 0, this.#pos);
    this.#buf = next;
  }

  /** Text as it is (ASCII byte by byte, anything else as UTF-8). */
  text(s: string): this {
    this.#room(s.length);
    const buf = this.#buf;
    let at = this.#pos;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.#utf8(s);
      buf[at++] = c;
    }
    this.#pos = at;
    return this;
  }

  /** Text beyond ASCII, as UTF-8. */
  #utf8(s: string): this {
    const n = Buffer.byteLength(s, 'utf8');
    this.#room(n);
    this.#pos += this.#buf.write(s, this.#pos, 'utf8');
    return this;
  }

  byte(c: number): this {
    this.#room(1);
    this.#buf[this.#pos++] = c;
    return this;
  }

  /** A non-negative integer below 2^53, by its digits (small ones in 32-bit arithmetic). */
  #digits(v: number, minWidth = 1): void {
    this.#room(17);
    const buf = this.#buf;
    let width = 1;
    for (let p = 10; p <= v && width < 16; p *= 10) width++;
    width = Math.max(width, minWidth);
    let at = this.#pos + width - 1;
    let rest = v;
    while (rest >= 2 ** 31) {
      const q = Math.floor(rest / 10);
      buf[at--] = 48 + (rest - q * 10);
      rest = q;
    }
    let r = rest | 0;
    while (at >= this.#pos) {
      const q = (r / 10) | 0;
      buf[at--] = 48 + (r - q * 10);
      r = q;
    }
    this.#pos += width;
  }

  /** A number, byte for byte as String(x). */
  number(x: number): this {
    const a = Math.abs(x);
    if (Number.isInteger(x) && a < 1e15) {
      if (x < 0) this.byte(45);
      this.#digits(a);
      return this;
    }
    const k = Math.round(a * 10_000);
    // four decimals at most and few digits: the decimal k / 10^4 is the shortest text that reads back as x
    if (k / 10_000 === a && k < 1e11) {
      if (x < 0) this.byte(45);
      const whole = Math.floor(k / 10_000);
      let frac = k - whole * 10_000;
      this.#digits(whole);
      let width = 4;
      while (frac % 10 === 0) {
        frac /= 10;
        width--;
      }
      this.byte(46);
      this.#digits(frac, width);
      return this;
    }
    return this.text(numberText(x));
  }

  toString(): string {
    return this.#buf.toString('utf8', 0, this.#pos);
  }
}
