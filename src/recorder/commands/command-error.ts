/** A record command refused its input or found a conflict (exit code 1); the message says why. */
export class RecordCommandError extends Error {
  readonly exitCode = 1
  constructor(message: string) {
    super(message)
    this.name = 'RecordCommandError'
  }
}
