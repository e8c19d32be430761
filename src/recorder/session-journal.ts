// The session journal: one record appended per recorded write, so a write costs the size of its own
// change and never a rewrite of the session files. Folded into the session files under the record lock.
//
// File   = header *record
// header = "elektra-playbook-journal 1 " id SP foldAt LF          ; foldAt: size that triggers a fold
// record = "part " metaLen SP payloadLen LF meta payload LF "end " hash SP start LF
//   meta    = JSON (JournalMeta), metaLen bytes
//   payload = the dump files of the record's sessions, concatenated (sizes in meta)
//   hash    = first 8 hex digits of SHA-1 over meta + payload; start = offset of "part"
// A writer killed mid-append leaves a torn tail; it fails the hash or the length check and is ignored
// (and cut off by the next append), so every record before it stays readable.
import { createHash, randomBytes } from 'node:crypto'
import { closeSync, constants, fdatasync, fstatSync, ftruncateSync, openSync, readSync, writeSync } from 'node:fs'
import { readFile, unlink } from 'node:fs/promises'
import { promisify } from 'node:util'
import path from 'node:path'
import { ensureDir } from '../kdb/atomic-write.js'
import { errnoCode, KdbFileError } from '../kdb/errors.js'
import type { FileNamespace } from '../kdb/paths.js'

export const JOURNAL_FILE = 'record-session.journal'
const MAGIC = 'elektra-playbook-journal 1 '
const MIN_FOLD_AT = 4 * 1024 * 1024
const fdatasyncAsync = promisify(fdatasync)

/** One session file's share of a record: its dump bytes are `size` bytes of the payload. */
export interface JournalSession {
  ns: FileNamespace
  /** absolute path of the `record-session.cfg` this share belongs to */
  file: string
  size: number
}

/** A backend file as the recorder left it after the write (see session-seen.ts). */
export interface JournalFile {
  path: string
  dev: string
  /** null: the write deleted the file */
  ino: string | null
}

export interface JournalMeta {
  sessions: JournalSession[]
  files: JournalFile[]
}

export interface JournalRecord {
  meta: JournalMeta
  /** the dump bytes of each entry of meta.sessions, in that order */
  dumps: Uint8Array[]
  start: number
  end: number
}

export interface JournalContent {
  id: string
  foldAt: number
  records: JournalRecord[]
  /** offset after the last whole record; less than the file size when the tail is torn */
  validEnd: number
  size: number
}

function hashOf(meta: Uint8Array, payload: Uint8Array): string {
  return createHash('sha1').update(meta).update(payload).digest('hex').slice(0, 8)
}

export function encodeRecord(start: number, meta: JournalMeta, dumps: readonly Uint8Array[]): Buffer {
  const metaBytes = Buffer.from(JSON.stringify(meta), 'utf8')
  const payload = Buffer.concat(dumps)
  const head = Buffer.from(`part ${metaBytes.length} ${payload.length}\n`, 'latin1')
  const tail = Buffer.from(`\nend ${hashOf(metaBytes, payload)} ${start}\n`, 'latin1')
  return Buffer.concat([head, metaBytes, payload, tail])
}

const HEAD = /^part (\d{1,12}) (\d{1,12})\n/
const TAIL = /\nend ([0-9a-f]{8}) (\d{1,15})\n$/

/**
 * Decodes the record at `start` of `buf` (whose first byte is at file offset `base`), or null when
 * it is not a whole, intact record. Offsets in the result are file offsets.
 */
function decodeAt(buf: Buffer, start: number, base = 0): JournalRecord | null {
  const headText = buf.toString('latin1', start, Math.min(buf.length, start + 40))
  const h = HEAD.exec(headText)
  if (h === null) return null
  const metaLen = Number(h[1])
  const payloadLen = Number(h[2])
  const metaStart = start + h[0].length
  const payloadStart = metaStart + metaLen
  const payloadEnd = payloadStart + payloadLen
  if (payloadEnd > buf.length) return null
  const nl = buf.indexOf(0x0a, payloadEnd + 1)
  if (nl === -1) return null
  const t = TAIL.exec(buf.toString('latin1', payloadEnd, nl + 1))
  if (t === null || Number(t[2]) !== base + start) return null
  const metaBytes = buf.subarray(metaStart, payloadStart)
  const payload = buf.subarray(payloadStart, payloadEnd)
  if (hashOf(metaBytes, payload) !== t[1]) return null
  let meta: JournalMeta
  try {
    meta = JSON.parse(metaBytes.toString('utf8')) as JournalMeta
  } catch {
    return null
  }
  if (!Array.isArray(meta.sessions) || !Array.isArray(meta.files)) return null
  const dumps: Uint8Array[] = []
  let at = 0
  for (const s of meta.sessions) {
    if (!Number.isSafeInteger(s.size) || s.size < 0 || at + s.size > payload.length) return null
    dumps.push(payload.subarray(at, at + s.size))
    at += s.size
  }
  if (at !== payload.length) return null
  return { meta, dumps, start: base + start, end: base + nl + 1 }
}

function parseHeader(buf: Buffer, file: string): { id: string; foldAt: number; end: number } {
  const nl = buf.indexOf(0x0a)
  const line = nl === -1 ? '' : buf.toString('latin1', 0, nl)
  const m = /^elektra-playbook-journal 1 ([0-9a-z-]{1,64}) (\d{1,15})$/.exec(line)
  if (m === null) {
    // a header is written in one small write before any record; a torn one means "no records"
    if (nl === -1 && MAGIC.startsWith(buf.toString('latin1').slice(0, MAGIC.length)))
      return { id: '', foldAt: MIN_FOLD_AT, end: buf.length }
    throw new KdbFileError(file, 'read journal', new Error('byte 0: not a session journal'))
  }
  return { id: m[1] as string, foldAt: Number(m[2]), end: nl + 1 }
}

/** Reads every intact record; a torn tail ends the list. A missing file is an empty journal. */
export async function readJournal(file: string): Promise<JournalContent | null> {
  let buf: Buffer
  try {
    buf = await readFile(file)
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null
    throw new KdbFileError(file, 'read journal', e)
  }
  const { id, foldAt, end } = parseHeader(buf, file)
  const records: JournalRecord[] = []
  let at = end
  while (at < buf.length) {
    const r = decodeAt(buf, at)
    if (r === null) break
    records.push(r)
    at = r.end
  }
  return { id, foldAt, records, validEnd: at, size: buf.length }
}

function readRange(fd: number, start: number, end: number): Buffer {
  const buf = Buffer.alloc(end - start)
  let got = 0
  while (got < buf.length) {
    const n = readSync(fd, buf, got, buf.length - got, start + got)
    if (n === 0) break
    got += n
  }
  return buf.subarray(0, got)
}

/** The last record when the file ends with an intact one (read from the end: cost of that record). */
function lastRecordOf(fd: number, size: number): JournalRecord | null {
  if (size === 0) return null
  const t = TAIL.exec(readRange(fd, Math.max(0, size - 48), size).toString('latin1'))
  if (t === null) return null
  const start = Number(t[2])
  if (start >= size) return null
  const rec = decodeAt(readRange(fd, start, size), 0, start)
  return rec !== null && rec.end === size ? rec : null
}

/** The journal's last record, or null (no journal, no record, or a torn tail). */
export async function lastRecord(file: string): Promise<JournalRecord | null> {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch (e) {
    if (errnoCode(e) === 'ENOENT') return null
    throw new KdbFileError(file, 'read journal', e)
  }
  try {
    return lastRecordOf(fd, fstatSync(fd).size)
  } finally {
    closeSync(fd)
  }
}

/**
 * Per journal path, the file and end offset of this process's last append. A journal that is still
 * that file, with that header id and that size, ends with our own whole (flushed) record: its tail
 * need not be read back to tell it from a torn one. Another writer appending, cutting a torn tail or
 * starting a new journal (fresh random id) changes the size or the id.
 */
const lastAppended = new Map<string, { dev: number; ino: number; id: string; end: number }>()

export interface AppendResult {
  id: string
  /** offset after the appended record */
  end: number
  /** true when the journal has grown past its fold threshold */
  wantsFold: boolean
}

/**
 * Appends one record (the caller holds the record lock). A torn tail left by a killed writer is cut
 * off first. `sessionBytes` (the session files' size) sets the fold threshold of a new journal, so the
 * cost of folding stays proportional to the writes it replaces.
 */
export async function appendRecord(
  file: string,
  meta: JournalMeta,
  dumps: readonly Uint8Array[],
  sessionBytes: () => Promise<number>,
  opts: { dirMode: number; sync?: boolean; minFoldAt?: number }
): Promise<AppendResult> {
  // synchronous small syscalls (the promise API costs more CPU than they do); only the flush waits
  let fd: number
  try {
    fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600)
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw new KdbFileError(file, 'open journal', e)
    await ensureDir(path.dirname(file), opts.dirMode)
    fd = openSync(file, constants.O_RDWR | constants.O_CREAT, 0o600)
  }
  try {
    const st = fstatSync(fd)
    let size = st.size
    const ours = lastAppended.get(file)
    lastAppended.delete(file)
    let id: string
    let foldAt: number
    if (size > 0) {
      const head = parseHeader(readRange(fd, 0, Math.min(size, 128)), file)
      if (head.id === '') {
        // a torn header: start this journal afresh
        ftruncateSync(fd, 0)
        size = 0
      }
    }
    if (size === 0) {
      id = `${Date.now().toString(36)}-${randomBytes(6).toString('hex')}`
      foldAt = Math.max(opts.minFoldAt ?? MIN_FOLD_AT, 2 * (await sessionBytes()))
      size = writeAll(fd, Buffer.from(`${MAGIC}${id} ${foldAt}\n`, 'latin1'), 0)
    } else {
      const head = parseHeader(readRange(fd, 0, Math.min(size, 128)), file)
      id = head.id
      foldAt = head.foldAt
      const oursWhole =
        ours !== undefined && ours.dev === st.dev && ours.ino === st.ino && ours.id === id && ours.end === size
      if (size > head.end && !oursWhole && lastRecordOf(fd, size) === null) {
        // a torn tail from a killed writer: cut it off, keeping every whole record
        const whole = await readJournal(file)
        size = whole === null ? head.end : whole.validEnd
        ftruncateSync(fd, size)
      }
    }
    const end = writeAll(fd, encodeRecord(size, meta, dumps), size)
    if (opts.sync !== false) await fdatasyncAsync(fd)
    lastAppended.set(file, { dev: st.dev, ino: st.ino, id, end })
    return { id, end, wantsFold: end >= foldAt }
  } finally {
    closeSync(fd)
  }
}

/** Writes all of `buf` at `at`; returns the offset after it. */
function writeAll(fd: number, buf: Buffer, at: number): number {
  let written = 0
  while (written < buf.length) written += writeSync(fd, buf, written, buf.length - written, at + written)
  return at + buf.length
}

/** Removes the journal (after a fold wrote everything it held into the session files). */
export async function removeJournal(file: string): Promise<void> {
  try {
    await unlink(file)
  } catch (e) {
    if (errnoCode(e) !== 'ENOENT') throw new KdbFileError(file, 'remove journal', e)
  }
}
