/** Console text that fits: lines wrapped at word boundaries to a width, continuation lines indented. */

/** The width every console line of a run keeps to. */
export const LINE_WIDTH = 100;

/**
 * `first` + `text`, wrapped so no line is longer than `width`; later lines
 * start with `indent` spaces. A single word longer than a line is cut.
 */
export function wrapLine(first: string, text: string, indent: number, width = LINE_WIDTH): string[] {
  const lines: string[] = [];
  const pad = ' '.repeat(indent);
  let line = first;
  let empty = true;
  const newLine = () => {
    lines.push(line.trimEnd());
    line = pad;
    empty = true;
  };
  const paragraphs = text.split('\n');
  for (const [k, paragraph] of paragraphs.entries()) {
    if (k > 0) newLine();
    addWords(paragraph);
  }
  lines.push(line.trimEnd());
  return lines;

  function addWords(paragraph: string): void {
    for (const word of paragraph.split(/ +/).filter(Boolean)) {
      if (!empty && line.length + 1 + word.length > width) newLine();
      let rest = word;
      for (;;) {
        const sep = empty ? '' : ' ';
        const room = width - line.length - sep.length;
        if (rest.length <= room) break;
        // a word longer than a whole line is cut (at least one character per line, so this ends)
        const take = Math.max(1, room);
        line += sep + rest.slice(0, take);
        rest = rest.slice(take);
        newLine();
      }
      if (rest) {
        line += (empty ? '' : ' ') + rest;
        empty = false;
      }
    }
  }
}

/** A summary line: a label column of `labelWidth` characters, then text wrapped under itself. */
export function labelled(label: string, text: string, labelWidth = 10, margin = 2): string[] {
  return wrapLine(`${' '.repeat(margin)}${label.padEnd(labelWidth)}`, text, margin + labelWidth);
}

/**
 * Any console line made to fit: a line within the width stays as it is; a
 * longer one wraps, its continuation under the text after its label (the
 * first 12 columns of an indented line such as "  sharing   ...") or two
 * columns in from an unindented one.
 */
export function fitLine(line: string, width = LINE_WIDTH): string[] {
  if (line.length <= width && !line.includes('\n')) return [line];
  if (/^ {2}\S{1,10} +/.exec(line)?.[0].length === 12) return wrapLine(line.slice(0, 12), line.slice(12), 12, width);
  const lead = /^ */.exec(line)?.[0] ?? '';
  return wrapLine(lead, line.slice(lead.length), lead.length + 2, width);
}
