/**
 * Reading a scenario file: YAML, then the schema. A problem names the file,
 * the line and the field's path; a misspelt name gets a "did you mean".
 */
import { readFile } from 'node:fs/promises';
import { FedError } from '../util/errors.ts';
import { type Scenario, scenarioSchema } from './scenario.ts';
import { describeScenarioIssues, formatPath } from './scenario-errors.ts';
import { yamlLibrary } from './yaml-library.ts';

export function parseScenario(text: string, file: string): Scenario {
  const { LineCounter, parseDocument } = yamlLibrary();
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, uniqueKeys: true, lineCounter });
  if (doc.errors.length) {
    const e = doc.errors[0];
    const pos = e?.linePos?.[0];
    throw new FedError('SCENARIO_ERR_FILE', `${file}${pos ? ` line ${pos.line}, column ${pos.col}` : ''}: not valid YAML: ${e?.message.split('\n')[0]}`);
  }
  const parsed = scenarioSchema.safeParse(doc.toJS());
  if (!parsed.success) {
    const lines = describeScenarioIssues(parsed.error.issues, doc, lineCounter, file);
    throw new FedError('SCENARIO_ERR_INVALID', `${file}: ${lines.length} invalid field(s):\n${lines.join('\n')}`, {
      details: { fields: parsed.error.issues.map((i) => formatPath(i.path)) },
    });
  }
  return parsed.data;
}

/** Reads and checks a scenario; messages name it `shownAs` (the path as the user typed it). */
export async function loadScenario(file: string, shownAs = file): Promise<Scenario> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    throw new FedError('SCENARIO_ERR_FILE', `cannot read scenario ${shownAs}: ${(cause as Error).message.replace(file, shownAs)}`, { cause });
  }
  return parseScenario(text, shownAs);
}
