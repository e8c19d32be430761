// The public library entry: each stage of the pipeline (DESIGN.md "The data's way"), usable without
// the CLI, e.g. `import { calculate, append, Recorder } from 'elektra-playbook'`.

// src/kdb — key names, keys, key sets, the dump codec, stores
export {
  KeyNameError,
  addBaseName,
  addName,
  baseName,
  compareKeyNames,
  escapePart,
  isBelow,
  isBelowOrSame,
  isDirectlyBelow,
  keyNameFromParts,
  parseKeyName,
  rootOf,
  type KeyName,
  type Namespace
} from './kdb/keyname.js'
export { Key, canonicalMetaName, keysDiffer, type KeyValue } from './kdb/key.js'
export { KeySet } from './kdb/keyset.js'
export { readDump, type ReadDumpOptions } from './kdb/dump-read.js'
export { writeDump, type WriteDumpOptions } from './kdb/dump-write.js'
export { DumpError, type DumpErrorCode } from './kdb/dump-error.js'
export {
  ConflictError,
  KdbFileError,
  KeyPlacementError,
  LockBusyError,
  MountpointError,
  UnsupportedPluginError
} from './kdb/errors.js'
export { envFromProcess, type KdbEnv } from './kdb/paths.js'
export { openStore, type Store, type WriteResult, type UpdateOptions, type Mutate } from './kdb/store.js'
export { EmbeddedStore } from './kdb/embedded-store.js'
export { KdbBinaryStore } from './kdb/kdb-binary-store.js'

// src/recorder — diffs, the merge, the session and its commands
export { calculate, type CalculateOptions } from './recorder/diff.js'
export { append, MalformedDiffError, type AppendWarning } from './recorder/append.js'
export { cloneDiff, counts, emptyDiff, isEmpty, type Diff, type DiffCounts } from './recorder/diff-model.js'
export {
  applyDiff,
  cut,
  invertDiff,
  removeKey,
  removeOther,
  removeSameOrBelow,
  undoConflicts,
  undoDiff,
  type UndoConflict
} from './recorder/diff-ops.js'
export { DiffJsonError, fromJson, toJson, type DiffJson, type JsonEntry } from './recorder/diff-json.js'
export { Recorder, type RecordedWrite } from './recorder/recorder.js'
export {
  SessionStore,
  emptySession,
  filterPart,
  isNeverRecorded,
  type Session,
  type SessionStoreOptions
} from './recorder/session-store.js'
export { parseSessionArg, readSessionFiles, type SessionFileArg } from './recorder/session-files.js'
export { RecordCommandError } from './recorder/commands/command-error.js'
export { startRecording, type StartOptions, type StartResult } from './recorder/commands/start.js'
export { stopRecording, type StopResult } from './recorder/commands/stop.js'
export {
  formatState,
  loadSession,
  recordingState,
  stateOf,
  type RecordState
} from './recorder/commands/state.js'
export { resetSession } from './recorder/commands/reset.js'
export { removeFromSession, type RemoveResult } from './recorder/commands/rm.js'
export { undoRecorded, UndoConflictError, type UndoResult } from './recorder/commands/undo.js'
export { assertKey, type AssertResult } from './recorder/commands/assert.js'
export {
  KeyNotFoundError,
  exportDump,
  getMeta,
  getValue,
  importDump,
  listKeys,
  lookupKey,
  removeKeys,
  removeMeta,
  setMeta,
  setValue
} from './recorder/commands/kdb-ops.js'

// src/playbook — exports, in-place update, validation, the module's schema
export { exportAnsible, type AnsibleExport, type AnsibleExportOptions } from './playbook/export-ansible.js'
export { exportCommands, type CommandsExport, type CommandsExportOptions } from './playbook/export-commands.js'
export { updatePlaybook, UpdateError } from './playbook/update.js'
export { formatIssue, validateFiles, validateText } from './playbook/validate.js'
export { moduleSchema } from './playbook/schema.js'

// the CLI as a function (argv without node and script → exit code)
export { runCli } from './cli/program.js'
