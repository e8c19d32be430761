/**
 * Byte helpers for the dump codec. Everything in a dump file is counted in bytes, so the codec works on
 * Buffers and only turns the fields it keeps into strings.
 */

export const LF = 10

/** A view on the same memory, so reading a Uint8Array never copies the file. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** UTF-8 byte length of a string (what every dump size field counts). */
export function utf8Length(s: string): number {
  return Buffer.byteLength(s, 'utf8')
}

// The work buffer of the last finished writer, reused by the next: large files then cost one
// allocation (the result) instead of several, and far fewer external-memory-triggered GCs.
let spare: Buffer | null = null
const SPARE_LIMIT = 64 << 20

/**
 * One growing output buffer: appending costs a copy of the appended bytes only, and the file is
 * assembled without intermediate strings or a list of chunks.
 */
export class ByteWriter {
  private buf: Buffer
  private len = 0

  constructor(initialSize = 1 << 16) {
    if (spare !== null && spare.length >= initialSize) {
      this.buf = spare
      spare = null
    } else this.buf = Buffer.allocUnsafe(initialSize)
  }

  private reserve(n: number): void {
    const need = this.len + n
    if (need <= this.buf.length) return
    let size = this.buf.length * 2
    while (size < need) size *= 2
    const next = Buffer.allocUnsafe(size)
    this.buf.copy(next, 0, 0, this.len)
    this.buf = next
  }

  /** For command lines: the caller guarantees the string is ASCII. */
  ascii(s: string): void {
    this.reserve(s.length)
    this.len += this.buf.write(s, this.len, 'latin1')
  }

  utf8(s: string): void {
    this.reserve(s.length * 3)
    this.len += this.buf.write(s, this.len, 'utf8')
  }

  /**
   * Appends `s` if it is all ASCII (its UTF-8 size equals its length) and returns true; otherwise
   * appends nothing and returns false. Lets a caller size fields by string length optimistically.
   */
  utf8IfAscii(s: string): boolean {
    this.reserve(s.length * 3)
    const n = this.buf.write(s, this.len, 'utf8')
    if (n !== s.length) return false
    this.len += n
    return true
  }

  bytes(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.len)
    this.len += b.length
  }

  byte(b: number): void {
    this.reserve(1)
    this.buf[this.len++] = b
  }

  /** An exact-size copy; the work buffer is kept for the next writer (do not use this one again). */
  finish(): Uint8Array {
    const out = new Uint8Array(this.len)
    out.set(this.buf.subarray(0, this.len))
    if (
      this.buf.length <= SPARE_LIMIT &&
      (spare === null || spare.length < this.buf.length)
    )
      spare = this.buf
    this.buf = Buffer.alloc(0)
    this.len = 0
    return out
  }
}
