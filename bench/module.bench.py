#!/usr/bin/python3
# Benchmark W4 of ../shared/BENCHMARKS.md: the elektra module applying 10 000 keys on localhost with the
# embedded backend, through the real ansible-playbook (and in-process, to separate Ansible's overhead).
# Usage: /usr/bin/python3 bench/module.bench.py [--runs N] [--append]   (--append adds to bench/RESULTS.md)
import argparse
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COLLECTION = os.path.join(REPO, 'collection')
sys.path.insert(0, COLLECTION)


def tree(n):
    """W1 naming: user:/bench/app{i%100}/section{(i/100)%100}/key{i} = v{i}, meta type=string."""
    root = {}
    for i in range(n):
        d = root.setdefault('app%d' % (i % 100), {}).setdefault('section%d' % ((i // 100) % 100), {})
        d['key%d' % i] = [{'value': 'v%d' % i}, {'meta': {'type': 'string'}}]
    return root


def task(ns, n, tx=None):
    args = {'keys': [{ns + ':/bench': tree(n)}], 'record': {'skip': True}}
    if tx:
        args['transaction'] = {'name': 'bench', 'action': tx}
    return {'name': '%s %s' % (ns, tx or 'apply'), 'elektra_initiative.libelektra.elektra': args}


def playbook(tasks):
    # JSON is YAML; Ansible parses it as fast as it can parse anything
    return json.dumps([{'hosts': 'localhost', 'connection': 'local', 'gather_facts': False, 'tasks': tasks}])


def run_playbook(path, tmp):
    env = dict(os.environ, HOME=os.path.join(tmp, 'home'), ELEKTRA_PLAYBOOK_ROOT=os.path.join(tmp, 'root'),
               ANSIBLE_COLLECTIONS_PATH=COLLECTION, ANSIBLE_HOME=os.path.join(tmp, 'ah'),
               ANSIBLE_PYTHON_INTERPRETER='/usr/bin/python3', ANSIBLE_STDOUT_CALLBACK='json',
               ANSIBLE_LOCALHOST_WARNING='0', ANSIBLE_INVENTORY_UNPARSED_WARNING='0')
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(['ansible-playbook', '-i', 'localhost,', path], env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    doc = json.loads(proc.stdout)
    if proc.returncode != 0:
        raise SystemExit('ansible-playbook failed: %s' % proc.stdout[-2000:])
    return elapsed, cpu, doc['stats']['localhost']['changed']


def fresh(base):
    tmp = tempfile.mkdtemp(dir=base)
    for d in ('home', 'root', 'ah'):
        os.makedirs(os.path.join(tmp, d))
    return tmp


def in_process(tasks, tmp):
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.engine import run
    from ansible_collections.elektra_initiative.libelektra.plugins.module_utils.store import EmbeddedStore
    start = time.process_time()
    for t in tasks:
        params = dict(t['elektra_initiative.libelektra.elektra'])
        run(params, EmbeddedStore(os.path.join(tmp, 'root'), os.path.join(tmp, 'home'), None))
    return time.process_time() - start


def stats(xs):
    return '%.2f s' % min(xs), '%.2f s' % statistics.median(xs)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--runs', type=int, default=3)
    ap.add_argument('--n', type=int, default=10000)
    ap.add_argument('--append', action='store_true')
    opts = ap.parse_args()
    base = tempfile.mkdtemp(prefix='elektra-module-bench-')
    cases = {
        'apply %d keys, one task' % opts.n: [task('user', opts.n)],
        'transaction spec/user/system, %d keys each' % opts.n: [task('spec', opts.n, 'create'),
                                                                task('user', opts.n, 'use'),
                                                                task('system', opts.n, 'commit')],
    }
    rows = []
    loads = []
    try:
        for name, tasks in cases.items():
            path = os.path.join(base, 'play-%d.json' % len(rows))
            with open(path, 'w') as f:
                f.write(playbook(tasks))
            first, again, cpu_first, cpu_again, inproc_first, inproc_again = [], [], [], [], [], []
            for _ in range(opts.runs):
                loads.append(os.getloadavg()[0])
                tmp = fresh(base)
                t, cpu, changed = run_playbook(path, tmp)
                assert changed == len(tasks), changed
                first.append(t)
                cpu_first.append(cpu)
                t, cpu, changed = run_playbook(path, tmp)
                assert changed == 0, changed
                again.append(t)
                cpu_again.append(cpu)
                tmp = fresh(base)
                inproc_first.append(in_process(tasks, tmp))
                inproc_again.append(in_process(tasks, tmp))
            rows.append((name, stats(first), stats(again), stats(cpu_first), stats(cpu_again),
                         stats(inproc_first), stats(inproc_again)))
    finally:
        shutil.rmtree(base, ignore_errors=True)
    out = ['', '## Module W4 (collection/, embedded backend) — `/usr/bin/python3 bench/module.bench.py`', '',
           '%s UTC, %s, Python %s, ansible-core %s, %d cores, load average %.1f–%.1f during the runs. '
           '%d runs per case on a fresh root; ansible-playbook on localhost (connection local, JSON playbook), '
           'wall time of the whole process and its CPU time (user + sys of ansible-playbook and the module '
           'processes: what the run costs without the other load on the machine); "module only" = CPU time of '
           'the same tasks through the module code in-process, without Ansible.'
           % (time.strftime('%Y-%m-%d %H:%M', time.gmtime()), platform.machine(), platform.python_version(),
              _ansible_version(), os.cpu_count(), min(loads), max(loads), opts.runs), '',
           '| case | apply wall min / median | apply CPU min | rerun wall min / median | rerun CPU min '
           '| module only CPU: apply / rerun | goal |',
           '|---|---|---|---|---|---|---|']
    for name, a, b, ca, cb, c, d in rows:
        goal = 'apply ≤ 5 s, rerun ≤ 3 s' if 'one task' in name else '–'
        out.append('| %s | %s / %s | %s | %s / %s | %s | %s / %s | %s |'
                   % (name, a[0], a[1], ca[0], b[0], b[1], cb[0], c[0], d[0], goal))
    text = '\n'.join(out) + '\n'
    print(text)
    if opts.append:
        with open(os.path.join(REPO, 'bench', 'RESULTS.md'), 'a') as f:
            f.write(text)


def _ansible_version():
    try:
        from ansible.release import __version__
        return __version__
    except ImportError:
        return '?'


if __name__ == '__main__':
    main()
