/**
 * The arguments of the extended module `elektra_initiative.libelektra.elektra` — THE source of truth.
 *
 * `npm run schema` (scripts/gen-schema.ts) turns the exported types of this file into
 * schemas/elektra-module.schema.json: interfaces become objects with `additionalProperties: false`,
 * an index signature becomes `additionalProperties`, unions become `anyOf`/`enum`, a JSDoc body becomes
 * `description`, and these JSDoc tags carry over: `@default` (YAML), `@example` (YAML, repeatable),
 * `@pattern`, `@keyPattern` (on an index signature: `propertyNames.pattern`), `@minProperties`,
 * `@maxProperties`, `@minItems`, `@alias` (on the alias property: names the canonical one),
 * `@deprecated`.
 *
 * Three syntaxes share one task: the legacy one (0.1.x–0.2.x, `mountpoint:` + nested `keys:` map), the
 * tree syntax of 0.3.0 (`keys:` as a list of namespace trees) and the single-key form (`key:` + `value:`).
 * The presence of `mountpoint` selects legacy mode, the presence of `key` the single-key form.
 *
 * Marker metadata (never persisted on the host): `elektra/deleted` and its alias `elektra/removed`
 * (delete the key; absent key: no-op), `elektra/assert` (check instead of write; with `elektra/deleted`:
 * check absence), `elektra/base64` (the value is the base64 text of a binary value).
 */

/** A YAML scalar. Generated playbooks always use strings; other scalars are converted (`true` → `True`). */
export type Scalar = string | number | boolean | null

/** Top-level arguments of the module: one of the three syntaxes. */
export type ElektraModuleArgs = LegacyArgs | TreeArgs | SingleKeyArgs

/** Options every syntax accepts. */
export interface CommonArgs {
  /**
   * Keys to remove before the keys are written: a key name, or a one-entry map from a key name to
   * `{recursive: true}` to remove the whole subtree. Missing keys are ignored.
   * @example ["user:/tests/app/old", {"system:/tests/app": {recursive: true}}]
   */
  remove?: RemoveEntry[]
  /**
   * Store the document order of the keys as `order` metadata; existing `order` metadata is kept.
   * @default false
   */
  keepOrder?: boolean
  /**
   * Alias of `keepOrder` (the 0.1.x–0.2.x spelling).
   * @alias keepOrder
   */
  keeporder?: boolean
  /**
   * Session recording on the host around this task. Generated playbooks use `{skip: true}` so applying
   * them never touches the host's own recording. Without it, tree-syntax tasks enable recording for `/`
   * and reset the session (0.3.0 behaviour); legacy-syntax tasks leave recording alone.
   * @example {skip: true}
   */
  record?: RecordOptions
  /**
   * Alias of `record` (the name the 0.3.0 README used).
   * @alias record
   */
  recording?: RecordOptions
  /** Three-way merge of the listed keys with the host's keys. */
  merge?: MergeOptions
  /**
   * Makes this task part of a named transaction: `create` stages into a new transaction, `use` adds to
   * it, `commit` stages and then applies everything in one write, `rollback` discards it.
   * @example {name: rec-3f9a1c07, action: create}
   */
  transaction?: Transaction
  /**
   * How the host's key database is accessed: `libelektra` (the Python bindings), `embedded` (the module's
   * own dump-file store, for hosts without libelektra), or `auto` (the bindings when importable).
   * @default auto
   */
  backend?: 'auto' | 'libelektra' | 'embedded'
  /**
   * Root directory of the embedded store (files are `<root>/etc/kdb/…`). Defaults to the
   * `ELEKTRA_PLAYBOOK_ROOT` environment variable of the module, then `/`.
   * @example /srv/elektra-root
   */
  root?: string
  /**
   * Directory whose `.dir/default.ecf` holds `dir:/` keys (searched upward). `dir:/` keys without it
   * are an error.
   * @example /srv/app
   */
  chdir?: string
}

/**
 * Legacy syntax (0.1.x–0.2.x): everything below one mountpoint, `keys` as a nested map.
 * @example {mountpoint: "user:/tests/ansible", keys: {fruit: {cherry: {value: cola, meta: {type: string}}}}}
 */
export interface LegacyArgs extends CommonArgs {
  /**
   * Base key of `keys` (a namespaced name, not cascading). With `filename` or `plugins` it is mounted
   * first unless already mounted.
   * @example user:/tests/ansible
   * @pattern ^(spec|dir|user|system):/
   */
  mountpoint: string
  /**
   * The keys below `mountpoint`: a nested map (a scalar sets the mountpoint key's own value).
   * @default {}
   */
  keys?: LegacyNode
  /**
   * File to mount at `mountpoint`.
   * @default ""
   * @example fruits.ini
   */
  filename?: string
  /**
   * Resolver plugin passed to `kdb mount -R`.
   * @default resolver
   */
  resolver?: string
  /**
   * Storage and filter plugins to mount, each `{plugin: {config: value}}` or `{plugin: null}`.
   * @example [{ini: null}]
   */
  plugins?: PluginSpec[]
  /**
   * Mount with the plugins' recommended plugins (`kdb mount --with-recommends`).
   * @default true
   */
  recommends?: boolean
}

/**
 * A node of the legacy tree: a scalar (the key's value) or a map whose entries `value` and `meta`
 * describe the key itself and whose other entries are children (verbatim escaped name fragments).
 */
export type LegacyNode = Scalar | LegacyBranch

/** A legacy-tree key with value, metadata and children in one map. */
export interface LegacyBranch {
  /** The key's value. */
  value?: Scalar
  /**
   * The key's metadata, flat: `name: value`. `elektra/deleted: "1"` (or `elektra/removed`) deletes the
   * key, `elektra/assert: "1"` checks it instead of writing it.
   * @example {type: string}
   */
  meta?: FlatMeta
  /** A child key: the entry name is an escaped name fragment (`a\/b` is one part, `a/b` two). */
  [part: string]: LegacyNode | FlatMeta | undefined
}

/** Metadata as a flat map from metadata names (without `meta:/`) to values. */
export interface FlatMeta {
  /** One metadata value. */
  [name: string]: Scalar
}

/**
 * Tree syntax (0.3.0): `keys` is a list of namespace trees; mounts are listed in `mount`.
 * @example {keys: [{"user:/tests/ansible": {fruit: {cherry: [{value: cola}, {meta: {type: string}}]}}}], record: {skip: true}}
 */
export interface TreeArgs extends CommonArgs {
  /** Mountpoints to create before the keys are written. */
  mount?: Mount[]
  /**
   * Namespace trees: each list element maps a root (`user`, `system:/tests/app`, …) to a node.
   * @example [{"user:/tests/app": {port: [{value: "8080"}, {meta: {type: unsigned_long}}]}}]
   */
  keys?: TreeRoots[]
}

/**
 * Single-key form (Elektra's own documentation): one key with its value and metadata.
 * @example {key: "user:/tests/app/port", value: "8080", meta: {type: unsigned_long}}
 */
export interface SingleKeyArgs extends CommonArgs {
  /**
   * The key's name (namespaced, escaped as Elektra writes it).
   * @example user:/tests/app/port
   * @pattern ^(spec|dir|user|system):/
   */
  key: string
  /** The key's value; absent keeps the current value. */
  value?: Scalar
  /**
   * Metadata as a flat map (`type: string`, `comment/#0: text`).
   * @example {type: unsigned_long}
   */
  meta?: FlatMeta
  /**
   * Delete the key (absent key: no-op); same as meta `elektra/deleted: "1"`.
   * @default false
   */
  deleted?: boolean
  /**
   * Check the key instead of writing it: it must exist with the listed value and metadata (with
   * `deleted`: it must not exist). The task fails before writing anything otherwise.
   * @default false
   */
  assert?: boolean
}

/**
 * One element of the tree syntax's `keys` list: roots mapped to nodes. A root is a namespace (`user`,
 * `system`, `spec`, `dir`) or a namespaced key name (`user:/tests/app`).
 * @keyPattern ^(spec|dir|user|system)(:/.*)?$
 * @minProperties 1
 */
export interface TreeRoots {
  /** The tree below this root. */
  [root: string]: TreeNode
}

/**
 * A node of the tree syntax: a scalar sets the key's value; a map lists children without creating the
 * key itself; a list of items creates the key and describes it.
 */
export type TreeNode = Scalar | TreeBranch | TreeItem[]

/** Children of a key: entry names are escaped name fragments (`a\/b` is one part, `a/b` two, `%` empty). */
export interface TreeBranch {
  /** A child. */
  [part: string]: TreeNode
}

/**
 * One item describing a key in the tree syntax. Generated playbooks use one field per item.
 * @minProperties 1
 */
export interface TreeItem {
  /**
   * The key's value. With meta `elektra/base64` the text is the base64 of a binary value.
   * @example "8080"
   */
  value?: Scalar
  /**
   * `true` deletes the key (absent key: no-op); same as meta `elektra/deleted: "1"`.
   * @example true
   */
  remove?: boolean
  /**
   * `true` checks the key instead of writing it; same as meta `elektra/assert: "1"`.
   * @example true
   */
  assert?: boolean
  /**
   * The key's metadata: a map walked like the key tree (`elektra/deleted: "1"` and
   * `elektra: {deleted: "1"}` name the same metadata).
   * @example {type: unsigned_long, elektra/deleted: "1"}
   */
  meta?: MetaNode
  /** Children of the key. */
  keys?: TreeBranch
  /**
   * Array elements: element i becomes child `#i` (canonical `#_10` from 10 on), a `{"#": node}` element
   * is unwrapped; the key gets metadata `array` = the last index.
   */
  array?: TreeNode[]
}

/** Metadata tree: a scalar value, a map of name fragments, or a list of `value`/`keys` items. */
export type MetaNode = Scalar | MetaBranch | MetaItem[]

/** Metadata names (fragments, `/` separates levels) mapped to values or deeper levels. */
export interface MetaBranch {
  /** One metadata name fragment. */
  [part: string]: MetaNode
}

/**
 * One item of a metadata list node (the 0.11 exporter writes `- value: X`).
 * @minProperties 1
 */
export interface MetaItem {
  /** The metadata value. */
  value?: Scalar
  /** Deeper metadata names. */
  keys?: MetaBranch
}

/**
 * A key to remove: its name, or `{name: {recursive: true}}`.
 * @example user:/tests/app/old
 */
export type RemoveEntry = string | RemoveWithOptions

/**
 * A key name mapped to removal options.
 * @minProperties 1
 * @maxProperties 1
 */
export interface RemoveWithOptions {
  /** Options for removing this key. */
  [name: string]: RemoveOptions | null
}

/** Options of one removal. */
export interface RemoveOptions {
  /**
   * Remove the key and everything below it.
   * @default false
   */
  recursive?: boolean
}

/** A plugin to mount with its configuration. */
export interface PluginSpec {
  /** Plugin name mapped to its configuration (`null` or `""`: none). */
  [plugin: string]: PluginConfig | null | ''
}

/** Plugin configuration: `key: value` pairs passed as `key=value`. */
export interface PluginConfig {
  /** One configuration value. */
  [key: string]: Scalar
}

/** A mountpoint to create (tree syntax). */
export interface Mount {
  /**
   * Where to mount.
   * @example system:/hosts
   * @pattern ^(spec|dir|user|system):/
   */
  mountpoint: string
  /**
   * The file the resolver finds.
   * @example /etc/hosts
   */
  file: string
  /**
   * Resolver plugin.
   * @default resolver
   */
  resolver?: string
  /**
   * Plugins, each `{plugin: {config: value}}`; absent means `dump`.
   * @example [{hosts: null}]
   */
  plugins?: PluginSpec[]
  /**
   * Add the plugins' recommended plugins.
   * @default true
   */
  includeRecommendedPlugins?: boolean
  /**
   * Unmount and mount again even when mounted (never idempotent).
   * @default false
   */
  forceRemount?: boolean
  /**
   * Keep the keys that were below the mountpoint before (re)mounting.
   * @default false
   */
  preserveKeys?: boolean
}

/** Session recording control. */
export interface RecordOptions {
  /**
   * Do nothing recording-related (needed when the remote user cannot write `system:/`).
   * @default false
   */
  skip?: boolean
  /**
   * Recording is enabled after the task.
   * @default true
   */
  enable?: boolean
  /**
   * Recorded subtree when enabled.
   * @default /
   */
  parentKey?: string
  /**
   * Clear the recording session.
   * @default true
   */
  reset?: boolean
  /**
   * Record the changes this task makes.
   * @default false
   */
  recordAnsible?: boolean
}

/** Three-way merge control. */
export interface MergeOptions {
  /**
   * Who wins a conflict: `ours` (the task), `theirs` (the host) or `abort` (fail).
   * @default ours
   */
  strategy?: 'ours' | 'theirs' | 'abort'
  /** The base key set, in the tree syntax of `keys`. */
  base?: TreeRoots[]
}

/** Transaction membership of a task. */
export interface Transaction {
  /**
   * Transaction name, unique per host at a time; generated playbooks use `rec-` + 8 hex digits.
   * @pattern ^[A-Za-z0-9_.-]+$
   * @example rec-3f9a1c07
   */
  name: string
  /**
   * `create` (first task), `use` (middle tasks), `commit` (last task), `rollback` (in `rescue:`).
   * @example create
   */
  action: 'create' | 'use' | 'commit' | 'rollback'
}

/** The module's fully qualified collection name; generated playbooks call it by this name. */
export const MODULE_FQCN = 'elektra_initiative.libelektra.elektra'

/** Names under which a task invokes the module (the short name works with `collections:`). */
export const MODULE_NAMES: readonly string[] = [
  MODULE_FQCN,
  'elektra',
  'ansible.legacy.elektra'
]
