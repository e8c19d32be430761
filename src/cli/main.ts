#!/usr/bin/env node
// The `elektra-playbook` executable.
import { runCli } from './program.js'

runCli(process.argv.slice(2)).then(
  code => {
    process.exitCode = code
  },
  (e: unknown) => {
    process.stderr.write(`error: ${e instanceof Error ? e.message : String(e)}\n`)
    process.exitCode = 1
  }
)
