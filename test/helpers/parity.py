# The Python side of test/parity-*.test.ts: one invocation per batch, JSON on stdin and stdout.
# Usage: /usr/bin/python3 parity.py COMMAND < request.json
import base64
import json
import os
import signal
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# ELEKTRA_PLAYBOOK_COLLECTION: another checkout's collection dir (e.g. to see a test fail on old code)
sys.path.insert(0, os.environ.get('ELEKTRA_PLAYBOOK_COLLECTION') or os.path.join(HERE, '..', '..', 'collection'))

from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import files  # noqa: E402
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.dump import (  # noqa: E402
    read_dump, write_dump)
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyname import parse  # noqa: E402
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.keyset import Key, KeySet  # noqa: E402
from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore  # noqa: E402


def count(req):
    """Increments the number in req['counter'] req['n'] times, each under the lock of req['file'];
    starts once req['go'] exists (so that every contender is running), appends its tag to req['log']."""
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    while not os.path.exists(req['go']):
        time.sleep(0.001)
    for _ in range(req['n']):
        with files.FileLock(req['file']):
            try:
                with open(req['counter']) as f:
                    v = int(f.read() or '0')
            except IOError:
                v = 0
            with open(req['counter'], 'w') as f:
                f.write('%d' % (v + 1))
            with open(req['log'], 'a') as f:
                f.write(req['tag'])
    return {'done': req['n']}


def hold(req):
    """Takes the lock, says so on stdout, then waits to be killed."""
    files.FileLock(req['file']).acquire()
    sys.stdout.write('held %d\n' % os.getpid())
    sys.stdout.flush()
    time.sleep(60)


def take(req):
    """For each file: takes and releases its lock once, or reports the error (busy)."""
    out = []
    for f in req['files']:
        try:
            with files.FileLock(f):
                pass
            out.append({'ok': True})
        except files.LockBusyError as e:
            out.append({'busy': str(e), 'pid': e.pid})
    return {'results': out}


def _key(j):
    meta = j['meta']
    if j['binary']:
        value = None if j['value'] is None else base64.b64decode(j['value'])
    else:
        value = j['value']
    return Key(parse(j['name']), value, meta, j.get('shared') or {})


def _snapshot(ks):
    out = []
    for k in ks:
        if k.is_binary:
            value = None if not k.value else base64.b64encode(k.value).decode('ascii')
        else:
            value = k.value or ''
        out.append({'name': k.name.canonical, 'binary': k.is_binary, 'value': value,
                    'meta': dict(k.meta), 'shared': dict(k.meta_shared)})
    return out


def dumps(req):
    """For each case: the bytes Python writes for the keys, and the keys Python reads from TS's bytes."""
    out = []
    for c in req['cases']:
        parent = parse(c['parent'])
        r = {}
        try:
            ks = KeySet([_key(j) for j in c['keys']])
            r['written'] = base64.b64encode(write_dump(ks, parent, c['fullNames'])).decode('ascii')
        except Exception as e:  # reported, compared by the test
            r['writeError'] = '%s: %s' % (type(e).__name__, e)
        try:
            back = read_dump(base64.b64decode(c['bytes']), parent, c['fullNames'])
            r['read'] = _snapshot(back)
        except Exception as e:
            r['readError'] = '%s: %s' % (type(e).__name__, e)
        out.append(r)
    return {'results': out}


def paths(req):
    """For each environment: the file of every key name, the fixed files and their lock files."""
    out = []
    for env in req['envs']:
        old = os.getcwd()
        os.chdir(env.get('processCwd') or old)
        try:
            store = EmbeddedStore(env['root'], env['home'], env['cwd'])
            r = {'fixed': {}, 'names': {}, 'reads': {}}
            try:
                store.mounts()
            except Exception as e:
                r['tableError'] = str(e)
                out.append(r)
                continue
            try:
                for name in env.get('reads', []):
                    b = store.backend_for(parse(name))
                    r['reads'][name] = [k.name.canonical for k in b.read()]
                for ns in ('spec', 'dir', 'user', 'system'):
                    r['fixed']['default:' + ns] = store.root_backend(ns).path
                    r['fixed']['session:' + ns] = store.session_backend(ns).path
                r['fixed']['elektra'] = store.elektra_backend().path
                r['fixed']['recordLock'] = files.lock_file_of(store.record_lock_target())
                for name in env['names']:
                    try:
                        b = store.backend_for(parse(name))
                        r['names'][name] = b.path
                    except Exception as e:
                        r['names'][name] = 'error: %s' % e
            except Exception as e:
                r['error'] = str(e)
            out.append(r)
        finally:
            os.chdir(old)
    return {'results': out}


def writes(req):
    """Atomic writes (data None: delete) and temp names, as files.py does them."""
    for w in req['writes']:
        if w['data'] is None:
            files.remove_file(w['file'])
        else:
            files.write_atomic(w['file'], base64.b64decode(w['data']), w['fileMode'], w['dirMode'])
    return {'temps': [files.temp_name(t['file'], t['pid'], t['micros']) for t in req['temps']]}


def module_tasks(req):
    """Runs module tasks (engine.run, as the module does) once req['go'] exists."""
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.engine import run
    sys.stdout.write('ready\n')
    sys.stdout.flush()
    while not os.path.exists(req['go']):
        time.sleep(0.001)
    for task in req['tasks']:
        run(task, _store(req['env']))
    return {'done': len(req['tasks'])}


def _store(env):
    return EmbeddedStore(env['root'], env['home'], env['cwd'])


def _change(j):
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.recording import Change
    return Change(parse(j['name']), _key(j['before']) if j['before'] else None,
                  _key(j['after']) if j['after'] else None)


def session_ops(req):
    """For each environment, under the record lock: `append` a part (as the module records its own
    write), `catchup` with other programs' writes, then `fold` the journal (each when asked)."""
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils import recording
    out = []
    for env in req['envs']:
        store = _store(env)
        r = {}
        with files.Locks([], first=store.record_lock_target()):
            if env.get('append'):
                recording.append_part(store, [_change(c) for c in env['append']], [])
            if env.get('catchup'):
                r['changed'] = recording.catch_up(store, env['catchup'])
            if env.get('fold'):
                r['warnings'] = recording.fold(store)
        out.append(r)
    return {'results': out}


COMMANDS = {'count': count, 'hold': hold, 'take': take, 'dumps': dumps, 'paths': paths, 'session': session_ops,
            'writes': writes, 'module': module_tasks}

if __name__ == '__main__':
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    result = COMMANDS[sys.argv[1]](json.load(sys.stdin))
    if result is not None:
        json.dump(result, sys.stdout)
