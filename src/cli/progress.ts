// Progress of long exports on stderr, only when stderr is a terminal (never in pipes, logs or tests).

/** A reporter for `onProgress`, or undefined when stderr is not a TTY. */
export function ttyProgress(what: string, stream: NodeJS.WriteStream = process.stderr): ((done: number, total: number) => void) | undefined {
  if (stream.isTTY !== true) return undefined
  return (done, total) => {
    stream.write(`\r${what}: ${done}/${total} keys`)
    if (done === total) stream.write('\r\x1b[K')
  }
}
