// A text with line positions: offsets ↔ 0-based line and column, lines as strings.
export class SourceText {
  readonly text: string
  /** offset of the first character of each line */
  private readonly starts: number[]

  constructor(text: string) {
    this.text = text
    this.starts = [0]
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) this.starts.push(i + 1)
  }

  get lineCount(): number {
    return this.starts.length
  }

  /** 0-based line of an offset. */
  lineOf(offset: number): number {
    let lo = 0
    let hi = this.starts.length - 1
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1
      if ((this.starts[mid] as number) <= offset) lo = mid
      else hi = mid - 1
    }
    return lo
  }

  position(offset: number): { line: number; col: number } {
    const line = this.lineOf(offset)
    return { line, col: offset - (this.starts[line] as number) }
  }

  lineStart(line: number): number {
    return this.starts[line] ?? this.text.length
  }

  /** The line's text without its newline. */
  line(line: number): string {
    const start = this.lineStart(line)
    const next = this.starts[line + 1]
    return this.text.slice(start, next === undefined ? this.text.length : next - 1)
  }

  /** The line holding the last non-blank character before `end` (a node's value end). */
  lastLineBefore(end: number): number {
    let i = end - 1
    while (i > 0 && /\s/.test(this.text[i] as string)) i--
    return this.lineOf(Math.max(0, i))
  }
}
