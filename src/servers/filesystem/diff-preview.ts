// A unified diff of one file before and after an edit, shown by edit_file so the caller sees what changed.
// Lines common to both ends are trimmed; the changed middle is aligned by LCS when small, else shown as -/+.

const CONTEXT = 3;
const LCS_CELLS = 4_000_000;

type Op = { kind: ' ' | '-' | '+'; text: string };

function middleOps(a: string[], b: string[]): Op[] {
  if (a.length * b.length > LCS_CELLS) return [...a.map((text) => ({ kind: '-' as const, text })), ...b.map((text) => ({ kind: '+' as const, text }))];
  const w = b.length + 1;
  const len = new Uint32Array((a.length + 1) * w);
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) len[i * w + j] = a[i] === b[j] ? len[(i + 1) * w + j + 1]! + 1 : Math.max(len[(i + 1) * w + j]!, len[i * w + j + 1]!);
  }
  const ops: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) ops.push({ kind: ' ', text: a[i++]! }) && j++;
    else if (i < a.length && (j >= b.length || len[(i + 1) * w + j]! >= len[i * w + j + 1]!)) ops.push({ kind: '-', text: a[i++]! });
    else ops.push({ kind: '+', text: b[j++]! });
  }
  return ops;
}

export function unifiedDiff(path: string, before: string, after: string): string {
  if (before === after) return '(no changes)';
  const a = before.split('\n');
  const b = after.split('\n');
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (tail < a.length - head && tail < b.length - head && a[a.length - 1 - tail] === b[b.length - 1 - tail]) tail++;
  const pre = Math.max(0, head - CONTEXT);
  const post = Math.min(tail, CONTEXT);
  const ops: Op[] = [
    ...a.slice(pre, head).map((text) => ({ kind: ' ' as const, text })),
    ...middleOps(a.slice(head, a.length - tail), b.slice(head, b.length - tail)),
    ...a.slice(a.length - tail, a.length - tail + post).map((text) => ({ kind: ' ' as const, text })),
  ];
  const oldCount = ops.filter((o) => o.kind !== '+').length;
  const newCount = ops.filter((o) => o.kind !== '-').length;
  return [`--- ${path}`, `+++ ${path}`, `@@ -${pre + 1},${oldCount} +${pre + 1},${newCount} @@`, ...ops.map((o) => `${o.kind}${o.text}`)].join('\n');
}
