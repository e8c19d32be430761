// Where emitters write lines. The export builds its text in chunks (a 100k-key playbook would otherwise
// keep half a million line strings alive until the end); the update needs the lines as an array.

export interface LineSink {
  push(...lines: string[]): void
  /** appends to the last line written */
  appendLast(text: string): void
}

/** Lines kept as an array (small outputs, in-place updates). */
export class LineArray implements LineSink {
  readonly lines: string[] = []
  push(...lines: string[]): void {
    for (const l of lines) this.lines.push(l)
  }
  appendLast(text: string): void {
    this.lines[this.lines.length - 1] += text
  }
}

const CHUNK = 4096

/** Lines joined into text as they come; `text()` ends every line with `\n`. */
export class TextSink implements LineSink {
  private readonly chunks: string[] = []
  private lines: string[] = []
  push(...lines: string[]): void {
    for (const l of lines) this.lines.push(l)
    // a finished chunk becomes one flat string; the last line stays open for appendLast
    if (this.lines.length > CHUNK) {
      const last = this.lines.pop() as string
      this.chunks.push(this.lines.join('\n') + '\n')
      this.lines = [last]
    }
  }
  appendLast(text: string): void {
    this.lines[this.lines.length - 1] += text
  }
  text(): string {
    if (this.lines.length > 0) this.chunks.push(this.lines.join('\n') + '\n')
    this.lines = []
    return this.chunks.join('')
  }
}
