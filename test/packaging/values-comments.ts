// Which options of a chart's values.yaml have no comment that explains them: a pure reading of the
// text, so the "every option commented" promise of the charts is checked, not assumed.

export interface ValuesKey { path: string; line: number; commented: boolean }

const KEY = /^( *)(?:- )?([A-Za-z][\w.-]*):(.*)$/;
const indentOf = (line: string): number => line.length - line.trimStart().length;

/**
 * `# key: value` as the key it shows, when the value reads as an example (empty, a flow or
 * quoted value, one word), not prose (`# memory: sessions live in...`).
 */
function uncommentExample(line: string): string {
  const m = /^( *)# ?([A-Za-z][\w.-]*):(?: (.*))?$/.exec(line);
  if (!m) return line;
  const value = (m[3] ?? '').trim();
  const example = value === '' || /^[[{"']/.test(value) || !/\s/.test(value);
  return example ? `${m[1] ?? ''}${m[2] ?? ''}: ${value}` : line;
}

/**
 * Every key of a values file with its dotted path, and whether a comment covers it: a comment line
 * at its indent in the block of lines right above it (a comment heads a group of sibling keys up
 * to the next blank line), or a commented parent. Keys shown commented out (`# key: example`)
 * count as keys, commented by what is above them.
 */
export function valuesKeys(text: string): ValuesKey[] {
  const lines = text.split('\n').map(uncommentExample);
  const raw = text.split('\n');
  const out: ValuesKey[] = [];
  const stack: Array<{ indent: number; path: string; commented: boolean }> = [];
  for (const [i, line] of lines.entries()) {
    const m = KEY.exec(line);
    if (!m) continue;
    // A key inside a commented-out block's example value (e.g. `#   - name: x` lines) is an example, not an option.
    const indent = (m[1] ?? '').length;
    while (stack.length > 0 && (stack[stack.length - 1]?.indent ?? 0) >= indent) stack.pop();
    const parent = stack[stack.length - 1];
    let own = false;
    for (let j = i - 1; j >= 0; j--) {
      const above = raw[j] ?? '';
      if (above.trim() === '') break;
      if (indentOf(above) < indent) break;
      const isRealComment = above.trim().startsWith('#') && lines[j] === above;
      if (isRealComment && indentOf(above) === indent) { own = true; break; }
    }
    const entry = { indent, path: parent ? `${parent.path}.${m[2] ?? ''}` : (m[2] ?? ''), commented: own || (parent?.commented ?? false) };
    stack.push(entry);
    out.push({ path: entry.path, line: i + 1, commented: entry.commented });
  }
  return out;
}

/**
 * The options no comment covers, as `path (line N)`: the leaves (a map whose keys all have their
 * comment needs none of its own).
 */
export function uncommentedOptions(text: string): string[] {
  const keys = valuesKeys(text);
  const isParent = (k: ValuesKey): boolean => keys.some((o) => o.path.startsWith(`${k.path}.`));
  return keys.filter((k) => !k.commented && !isParent(k)).map((k) => `${k.path} (line ${k.line})`);
}
