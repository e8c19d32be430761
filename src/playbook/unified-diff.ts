// A unified diff of two texts for `export --update FILE --check` (no dependency: prefix/suffix trim,
// then an LCS of the middle when it is small enough, else one replacing hunk).

const CONTEXT = 3
const LCS_LIMIT = 4_000_000

type Op = [' ' | '-' | '+', string]

function lcsOps(a: string[], b: string[]): Op[] {
  const n = a.length
  const m = b.length
  if (n * m > LCS_LIMIT) return [...a.map(l => ['-', l] as Op), ...b.map(l => ['+', l] as Op)]
  const w = m + 1
  const t = new Uint32Array((n + 1) * w)
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      t[i * w + j] = a[i] === b[j] ? (t[(i + 1) * w + j + 1] as number) + 1 : Math.max(t[(i + 1) * w + j] as number, t[i * w + j + 1] as number)
  const ops: Op[] = []
  let i = 0
  let j = 0
  while (i < n && j < m) {
    if (a[i] === b[j]) {
      ops.push([' ', a[i] as string])
      i++
      j++
    } else if ((t[(i + 1) * w + j] as number) >= (t[i * w + j + 1] as number)) ops.push(['-', a[i++] as string])
    else ops.push(['+', b[j++] as string])
  }
  while (i < n) ops.push(['-', a[i++] as string])
  while (j < m) ops.push(['+', b[j++] as string])
  return ops
}

/** `--- a`/`+++ b` and hunks; empty when the texts are equal. */
export function unifiedDiff(before: string, after: string, nameA: string, nameB: string): string {
  if (before === after) return ''
  const a = before.split('\n')
  const b = after.split('\n')
  let pre = 0
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++
  let suf = 0
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf]) suf++
  const ops: Op[] = [
    ...a.slice(0, pre).map(l => [' ', l] as Op),
    ...lcsOps(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf)),
    ...a.slice(a.length - suf).map(l => [' ', l] as Op)
  ]
  const out = [`--- ${nameA}`, `+++ ${nameB}`]
  let k = 0
  let lineA = 1
  let lineB = 1
  while (k < ops.length) {
    // next change
    let c = k
    while (c < ops.length && (ops[c] as Op)[0] === ' ') c++
    if (c === ops.length) break
    const start = Math.max(k, c - CONTEXT)
    for (let x = k; x < start; x++) {
      lineA++
      lineB++
    }
    // extend the hunk while changes are closer than 2 * CONTEXT
    let end = c
    let lastChange = c
    while (end < ops.length) {
      if ((ops[end] as Op)[0] !== ' ') lastChange = end
      else if (end - lastChange > 2 * CONTEXT) break
      end++
    }
    end = Math.min(ops.length, lastChange + 1 + CONTEXT)
    const hunk = ops.slice(start, end)
    const countA = hunk.filter(o => o[0] !== '+').length
    const countB = hunk.filter(o => o[0] !== '-').length
    out.push(`@@ -${countA === 0 ? lineA - 1 : lineA},${countA} +${countB === 0 ? lineB - 1 : lineB},${countB} @@`)
    for (const [op, l] of hunk) out.push(op + l)
    lineA += countA
    lineB += countB
    k = end
  }
  return out.join('\n') + '\n'
}
