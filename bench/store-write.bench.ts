// W2 without recording (BENCHMARKS.md): from an empty store, add `user:/bench/k{i:06}` = `v` and write
// the store, i = 1…n, through EmbeddedStore.update (lock, read file, mutate, atomic write, unlock).
// Prints the mean time per write for each block of 500. Run: npx tsx bench/store-write.bench.ts [n]
import { mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { EmbeddedStore } from '../src/kdb/embedded-store.js'
import { Key } from '../src/kdb/key.js'
import { parseKeyName } from '../src/kdb/keyname.js'

const n = Number(process.argv[2] ?? 2500)
const dir = await mkdtemp(path.join(os.tmpdir(), 'ep-bench-'))
const env = { root: path.join(dir, 'root'), home: path.join(dir, 'home'), cwd: dir }
const store = new EmbeddedStore(env)
const scope = parseKeyName('user:/bench')

console.log(`node ${process.version}, ${os.cpus().length} cores, load ${os.loadavg().map(x => x.toFixed(1)).join(' ')}`)
let t0 = performance.now()
for (let i = 1; i <= n; i++) {
  const name = `user:/bench/k${String(i).padStart(6, '0')}`
  await store.update(scope, ks => void ks.add(Key.create(name, 'v')))
  if (i % 500 === 0) {
    const t1 = performance.now()
    console.log(`keys ${String(i).padStart(6)}: ${((t1 - t0) / 500).toFixed(2)} ms per write`)
    t0 = t1
  }
}
await rm(dir, { recursive: true, force: true })
