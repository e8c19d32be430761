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

const CHUNK = 1 << 16

/** Lines joined into text as they come; `text()` ends every line with `\n`. */
export class TextSink implements LineSink {
  private readonly chunks: string[] = []
  private chunk = ''
  private last: string | null = null
  push(...lines: string[]): void {
    for (const l of lines) {
      if (this.last !== null) this.add(this.last)
      this.last = l
    }
  }
  appendLast(text: string): void {
    this.last += text
  }
  private add(line: string): void {
    this.chunk += line + '\n'
    if (this.chunk.length > CHUNK) {
      this.chunks.push(this.chunk)
      this.chunk = ''
    }
  }
  text(): string {
    if (this.last !== null) this.add(this.last)
    this.last = null
    this.chunks.push(this.chunk)
    this.chunk = ''
    return this.chunks.join('')
  }
}
