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
