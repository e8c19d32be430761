// Compiles the CLI once per test run: a child `node dist-test-<pid>/cli/main.js` starts in a fraction of the
// time tsx needs, and CLI tests spawn hundreds of them. Tests fall back to tsx when this is skipped.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
// a direct child of the repository, so paths like `../../schemas` resolve as they do from dist/;
// one per run, so that overlapping runs in one work tree never load each other's half-written build
const TEST_DIST = path.join(REPO, `dist-test-${process.pid}`)

export default function setup(): (() => void) | undefined {
  if (process.env.ELEKTRA_PLAYBOOK_TEST_TSX === '1') return undefined
  execFileSync(
    process.execPath,
    [
      path.join(REPO, 'node_modules/typescript/bin/tsc'),
      '-p',
      path.join(REPO, 'tsconfig.build.json'),
      '--outDir',
      TEST_DIST,
      '--declaration',
      'false',
      '--sourceMap',
      'false'
    ],
    { stdio: 'inherit' }
  )
  process.env.ELEKTRA_PLAYBOOK_TEST_CLI = path.join(TEST_DIST, 'cli/main.js')
  return () => rmSync(TEST_DIST, { recursive: true, force: true })
}
