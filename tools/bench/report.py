#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn mbox-bench rows into what `make bench` prints: a table per kernel, the
floors that bound a target, one line per target, and a plot.

usage: report.py RESULTS.csv OUTDIR

RESULTS.csv is mbox-bench's CSV with a first column "kernel" (bench.sh adds
it). Per cell (kernel, pattern, n, size) the best peer is the one with the
best median over the repetitions; the mbox/best-peer ratio of medians gets a
bootstrap 95% interval (resampling each side's repetitions). Floors never
count as peers. Standard library only: the host has no pip.
"""
import collections
import csv
import os
import random
import statistics
import subprocess
import sys

BOOT = 2000
# pattern: (metric column, lower is better, unit shown, scale to that unit)
METRIC = {
    'pingpong': ('p50_ns', True, 'p50 round trip, us', 1e-3),
    'reqrep': ('msgs_per_s', False, 'calls/s, thousands', 1e-3),
    'stream': ('msgs_per_s', False, 'msgs/s, thousands', 1e-3),
    'stream-batch': ('msgs_per_s', False, 'msgs/s, thousands', 1e-3),
    'fanin': ('msgs_per_s', False, 'msgs/s, thousands', 1e-3),
    'backpressure': ('csw_per_msg', True, 'sender wakeups per message', 1),
    'fanout': ('msgs_per_s', False, 'msgs/s per subscriber, thousands', 1e-3),
    'cost': ('mean_ns', True, 'us of CPU per message sent and received, one process', 1e-3),
    # the cost cell and the round trip on a vCPU whose clock counts
    # instructions (bench.sh)
    'instructions': ('mean_ns', True, 'guest instructions per message sent and received, '
                     'one process, counted by QEMU -icount', 1),
    'instructions-rtt': ('p50_ns', True, 'guest instructions per round trip, both '
                         'processes on one vCPU, counted by QEMU -icount', 1),
}
# reported to explain the others, never a target: fan-out has no peer to be
# behind, and cost and instructions are what the streams' and round trips'
# ratios come from
DIAGNOSTIC = ('backpressure', 'fanout', 'cost', 'instructions', 'instructions-rtt')
# the mbox variant each pattern's ratio is about
MBOX_OF = {'reqrep': 'mbox-call'}
MECH_ORDER = ['mbox', 'mbox-call', 'pipe', 'seqpacket', 'dgram', 'stream',
              'posix-mq', 'sysv-msg', 'eventfd', 'shm-ring', 'ioctl-ring', 'rw-ring',
              'memcpy', 'mbox-wide']
KB = 1024
# goals that floors are measured against as well as targets: mbox's 64 B
# stream against the best peer's, and its 64 B round trips (plain, call)
STREAM_64B_GOAL = 1.5
RTT_64B_GOAL = 0.8
RTT_64B_CALL_GOAL = 0.6


def size_name(s):
    if s >= KB * KB:
        return '%dM' % (s // (KB * KB))
    if s >= KB:
        return '%dK' % (s // KB)
    return '%d' % s


def size_text(s):
    """A size in prose: 64 B, 64 KiB, 1 MiB."""
    name = size_name(s)
    return name[:-1] + ' ' + name[-1] + 'iB' if name[-1] in 'KM' else name + ' B'


class Cell:
    """One (kernel, pattern, n, size): every mechanism's values over the reps."""

    def __init__(self):
        self.vals = collections.defaultdict(list)
        self.kind = {}
        self.status = {}

    def median(self, mech):
        v = self.vals.get(mech)
        return statistics.median(v) if v else None


def load(path):
    cells = collections.OrderedDict()
    with open(path) as f:
        for row in csv.DictReader(f):
            key = (row['kernel'], row['pattern'], int(row['n']), int(row['size']))
            c = cells.setdefault(key, Cell())
            mech = row['mech']
            c.kind[mech] = row['kind']
            if row['status'] != 'ok':
                c.status[mech] = row['status']
                continue
            c.vals[mech].append(float(row[METRIC[row['pattern']][0]]))
    return cells


def best_peer(cell, lower, among=None):
    peers = [m for m, k in cell.kind.items()
             if k == 'peer' and cell.vals.get(m) and (among is None or m in among)]
    if not peers:
        return None
    pick = min if lower else max
    return pick(peers, key=cell.median)


def boot_ci(a, b, rng):
    """95% interval of median(a)/median(b), each side resampled."""
    if min(a + b) <= 0:
        return None
    r = sorted(statistics.median(rng.choices(a, k=len(a))) /
               statistics.median(rng.choices(b, k=len(b))) for _ in range(BOOT))
    return r[int(0.025 * BOOT)], r[int(0.975 * BOOT) - 1]


class Ratio:
    """mbox over a peer in one cell, and as a speedup (above 1 is better)."""

    def __init__(self, cell, mech, peer, lower, rng):
        a, b = cell.vals[mech], cell.vals[peer]
        self.peer = peer
        self.value = statistics.median(a) / statistics.median(b) \
            if statistics.median(b) > 0 else None
        self.ci = boot_ci(a, b, rng) if self.value is not None else None
        self.lower = lower

    def speedup(self):
        if self.value is None or self.value <= 0 or not self.ci or self.ci[0] <= 0:
            return None, None
        if not self.lower:
            return self.value, self.ci
        return 1 / self.value, (1 / self.ci[1], 1 / self.ci[0])


def ratio(cells, key, mech=None, among=None, rng=None):
    c = cells.get(key)
    if not c:
        return None
    lower = METRIC[key[1]][1]
    mech = mech or MBOX_OF.get(key[1], 'mbox')
    peer = best_peer(c, lower, among)
    if not peer or not c.vals.get(mech):
        return None
    return Ratio(c, mech, peer, lower, rng)


def fmt(v, scale):
    if v is None:
        return '-'
    v *= scale
    return '%.0f' % v if v >= 100 else '%.1f' % v if v >= 1 else '%.2f' % v


def print_tables(cells, kernel, rng):
    print('== mbox-bench on %s: medians over repetitions; ratio = mbox / best peer'
          % kernel)
    for pat, (col, lower, unit, scale) in METRIC.items():
        keys = [k for k in cells if k[0] == kernel and k[1] == pat]
        if not keys:
            continue
        mechs = [m for m in MECH_ORDER if any(cells[k].kind.get(m) for k in keys)]
        print('\n%s (%s, %s better)' % (pat, unit, 'lower' if lower else 'higher'))
        head = ['n' if pat in ('reqrep', 'fanin', 'backpressure', 'fanout') else 'size'] + \
            mechs + ['best peer', 'ratio', '95% CI']
        rows = [head]
        for k in keys:
            c = cells[k]
            line = [str(k[2]) if head[0] == 'n' else size_name(k[3])]
            for m in mechs:
                med = c.median(m)
                line.append(fmt(med, scale) if med is not None else
                            ('n/a' if m in c.status else ''))
            r = ratio(cells, k, rng=rng)
            line.append(best_peer(c, lower) or '-')
            if r and r.value is not None:
                line.append('%.2f' % r.value)
                line.append('%.2f..%.2f' % r.ci if r.ci else '-')
            else:
                line += ['n/a', '']
            rows.append(line)
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        for r in rows:
            print('  ' + '  '.join(x.rjust(w) for x, w in zip(r, widths)))
    reasons = sorted({s for c in (cells[k] for k in cells if k[0] == kernel)
                      for m, s in c.status.items() if c.kind.get(m) != 'floor'})
    if reasons:
        print('\nn/a: ' + '; '.join(reasons))
    print()


class Target:
    def __init__(self, name, op, goal, value, ci, why='', every=True):
        self.name, self.op, self.goal = name, op, goal
        self.value, self.ci, self.why = value, ci, why
        self.every = every	# over many cells: all of them pass

    def met(self):
        if self.value is None or not self.ci:
            return False
        ok = self.value >= self.goal if self.op == '>=' else self.value <= self.goal
        # ahead means the interval excludes 1.0 too, not just a lucky median
        lo, hi = self.ci
        excl = lo > 1.0 if self.op == '>=' else hi < 1.0
        if self.name.startswith('backpressure'):
            excl = True	# an absolute count, not a ratio
        return ok and excl and self.every

    def line(self, kernel):
        if self.value is None:
            val = 'n/a (%s)' % (self.why or 'no data')
        else:
            val = '%.2f (95%% CI %.2f..%.2f)' % ((self.value,) + tuple(self.ci))
        return 'target %s on %s: %s, goal %s %g: %s' % (
            self.name, kernel, val, self.op, self.goal,
            'met' if self.met() else 'not met')


def worst_speedup(cells, keys, goal, rng):
    """The cell where mbox is furthest behind (or least ahead), as a speedup,
    and whether every cell reaches goal with its interval above 1.0."""
    worst, every = None, True
    for k in keys:
        r = ratio(cells, k, rng=rng)
        s, ci = r.speedup() if r else (None, None)
        if s is None:
            return None, None, 'no mbox figure for %s %s' % (k[1], size_name(k[3])), False
        every = every and s >= goal and (ci[0] > 1.0 or goal <= 1.0)
        if worst is None or s < worst[0]:
            worst = (s, ci)
    if worst is None:
        return None, None, 'no cells', False
    return worst[0], worst[1], '', every


def targets(cells, kernel, rng):
    ks = [k for k in cells if k[0] == kernel]
    t = []

    def worst(name, keys, goal):
        s, ci, why, every = worst_speedup(cells, keys, goal, rng)
        t.append(Target(name, '>=', goal, s, ci, why, every))
    small = [k for k in ks if k[1] in ('pingpong', 'stream', 'stream-batch') and
             k[3] <= 64 * KB]
    worst('ahead-pingpong-stream-le-64K', small, 1.05)
    worst('never-behind-elsewhere',
          [k for k in ks if k not in small and k[1] not in DIAGNOSTIC], 1.0)

    def one(name, key, op, goal, mech=None, among=None):
        r = ratio(cells, (kernel,) + key, mech=mech, among=among, rng=rng)
        if not r or r.value is None:
            t.append(Target(name, op, goal, None, None, 'mbox or peers missing'))
        else:
            t.append(Target(name, op, goal, r.value, r.ci))
    one('stream-64B-unbatched', ('stream', 1, 64), '>=', STREAM_64B_GOAL)
    one('stream-64B-batched', ('stream-batch', 1, 64), '>=', 3)
    worst('stream-ge-64K-MBps',
          [k for k in ks if k[1] == 'stream' and k[3] >= 64 * KB], 1.5)
    one('rtt-64B', ('pingpong', 1, 64), '<=', RTT_64B_GOAL)
    one('rtt-64B-call', ('pingpong', 1, 64), '<=', RTT_64B_CALL_GOAL, mech='mbox-call')
    one('fanin-8-vs-mq-sysv', ('fanin', 8, 64), '>=', 2,
        among=('posix-mq', 'sysv-msg'))
    c = cells.get((kernel, 'backpressure', 4, 64))
    v = c.vals.get('mbox') if c else None
    if v:
        med = statistics.median(v)
        res = sorted(statistics.median(rng.choices(v, k=len(v))) for _ in range(BOOT))
        t.append(Target('backpressure-wakeups-per-slot', '<=', 1.05, med,
                        (res[int(0.025 * BOOT)], res[int(0.975 * BOOT) - 1])))
    else:
        t.append(Target('backpressure-wakeups-per-slot', '<=', 1.05, None, None,
                        'no mbox figure'))
    return t


def floors(cells, kernel):
    """What the floors say a target can reach under this emulator."""
    out = []
    pp = cells.get((kernel, 'pingpong', 1, 64))
    ev = cells.get((kernel, 'pingpong', 1, 8))
    if pp and ev and ev.median('eventfd') and best_peer(pp, True):
        b = best_peer(pp, True)
        out.append('floor on %s: eventfd round trip (8 B, no queue) = %.2fx the best '
                   'peer\'s 64 B round trip (%s): a round trip of 4 system calls and '
                   '2 wakeups cannot go below it; goals rtt-64B %gx, rtt-64B-call %gx'
                   % (kernel, ev.median('eventfd') / pp.median(b), b, RTT_64B_GOAL,
                      RTT_64B_CALL_GOAL))
    for pat, n, among in (('stream', 1, None), ('stream-batch', 1, None),
                          ('fanin', 8, ('posix-mq', 'sysv-msg'))):
        st = cells.get((kernel, pat, n, 64))
        b = st and best_peer(st, False, among)
        if b and st.median('mbox-wide') and st.median('mbox'):
            out.append('floor on %s: %s%s 64 B, mbox queueing as many messages as fit in '
                       '256 KiB (4096, as a pipe and sysv-msg do) = %.2fx the best peer '
                       '(%s), against %.2fx with the 64 of the equal-capacity rule'
                       % (kernel, pat, ' %d' % n if n > 1 else '',
                          st.median('mbox-wide') / st.median(b), b,
                          st.median('mbox') / st.median(b)))
    st = cells.get((kernel, 'stream', 1, 64))
    b = st and best_peer(st, False)
    if b and st.median('ioctl-ring'):
        out.append('floor on %s: stream 64 B through a shared-memory ring with one empty mbox '
                   'ioctl per message on each side = %.2fx the best peer (%s): a mechanism '
                   'entering the kernel once per message on each side cannot pass it; '
                   'goal stream-64B-unbatched 1.5x'
                   % (kernel, st.median('ioctl-ring') / st.median(b), b))
    sb = cells.get((kernel, 'stream-batch', 1, 64))
    b = sb and best_peer(sb, False)
    if b and st and st.median('memcpy'):
        out.append('floor on %s: one memcpy per 64 B message = %.2fx the best peer\'s '
                   'batched stream (%s): a mechanism copying each message even once '
                   'cannot pass it; goal stream-64B-batched 3x'
                   % (kernel, st.median('memcpy') / sb.median(b), b))
    kept = b and best_peer(sb, False, among=('seqpacket', 'dgram'))
    if kept and sb.median('mbox'):
        out.append('context on %s: stream-batch 64 B, mbox = %.2fx the best peer that '
                   'keeps message boundaries (%s; the pipe and the stream socket '
                   'merge a batch into one copy)'
                   % (kernel, sb.median('mbox') / sb.median(kept), kept))
    co = cells.get((kernel, 'cost', 1, 64))
    b = co and best_peer(co, True)
    if b and co.median('mbox') and co.median('ioctl-ring'):
        out.append('context on %s: cost 64 B, the CPU of one send and one receive with '
                   'nobody woken: mbox = %.2fx the cheapest peer (%s) and %.2fx an empty '
                   'ioctl per message on each side (ioctl-ring): the per-message work '
                   'behind the unbatched stream\'s ratio'
                   % (kernel, co.median('mbox') / co.median(b), b,
                      co.median('mbox') / co.median('ioctl-ring')))
    out += rtt_instruction_floors(cells, kernel)
    out += instruction_floors(cells, kernel)
    for size in (64, 64 * KB, KB * KB):
        st = cells.get((kernel, 'stream', 1, size))
        if st and st.median('memcpy') and best_peer(st, False):
            b = best_peer(st, False)
            out.append('floor on %s: one memcpy per %s message = %.2fx the best peer '
                       '(%s): a single-copy mechanism is bounded by it'
                       % (kernel, size_text(size), st.median('memcpy') / st.median(b), b))
        if st and st.median('shm-ring') and best_peer(st, False):
            b = best_peer(st, False)
            out.append('floor on %s: shared-memory ring at %s = %.2fx the best peer (%s)'
                       % (kernel, size_text(size), st.median('shm-ring') / st.median(b), b))
    return out


def instruction_floors(cells, kernel):
    """What the instruction counts say: they do not vary from boot to boot."""
    out = []
    ins = cells.get((kernel, 'instructions', 1, 64))
    b = ins and best_peer(ins, True)
    if not b or not ins.median('mbox'):
        return out
    out.append('context on %s: instructions 64 B: mbox runs %.0f per message sent and '
               'received, %.2fx the fewest of a peer (%s, %.0f)'
               % (kernel, ins.median('mbox'), ins.median('mbox') / ins.median(b), b,
                  ins.median(b)))
    for floor, calls in (('rw-ring', 'write() and read()'), ('ioctl-ring', 'ioctl()')):
        if ins.median(floor):
            out.append('floor on %s: instructions 64 B: %s refused at once, one per message '
                       'on each side (%s) = %.0f, %.2fx %s\'s whole send and receive; '
                       'goal stream-64B-unbatched %gx needs a mechanism at %.2fx'
                       % (kernel, calls, floor, ins.median(floor),
                          ins.median(floor) / ins.median(b), b, STREAM_64B_GOAL,
                          1 / STREAM_64B_GOAL))
    return out


def rtt_instruction_floors(cells, kernel):
    """The round trip's goals against eventfd's round trip, counted: two
    processes taking turns on one vCPU, so its context switches count too.
    A call's floor takes off what the cost cell counts for a refused write()
    and read() (rw-ring), when it has that."""
    pp = cells.get((kernel, 'instructions-rtt', 1, 64))
    ev = cells.get((kernel, 'instructions-rtt', 1, 8))
    ins = cells.get((kernel, 'instructions', 1, 64))
    b = pp and best_peer(pp, True)
    if not b or not ev or not ev.median('eventfd'):
        return []
    e, best = ev.median('eventfd'), pp.median(b)
    out = ['floor on %s: instructions per round trip: eventfd (8 B, 4 system calls, '
           '2 wakeups, 2 context switches) = %.0f, %.2fx the best peer\'s 64 B round trip '
           '(%s, %.0f); goal rtt-64B %gx' % (kernel, e, e / best, b, best, RTT_64B_GOAL)]
    rw = ins and ins.median('rw-ring')
    if rw:
        out.append('floor on %s: instructions per round trip: eventfd\'s less a refused '
                   'write() and read() (rw-ring, %.0f), as a call makes 2 system calls '
                   'where eventfd makes 4 = %.0f, %.2fx %s; goal rtt-64B-call %gx'
                   % (kernel, rw, e - rw, (e - rw) / best, b, RTT_64B_CALL_GOAL))
    return out


def plot(cells, kernels, outdir):
    """Throughput (stream, MB/s) and latency (ping-pong p50) against size."""
    datdir = os.path.join(outdir, 'plot')
    os.makedirs(datdir, exist_ok=True)
    panels = []
    for kernel in kernels:
        for pat, col, ylabel in (('stream', 'mb', 'stream, MB/s (median)'),
                                 ('pingpong', 'us', 'ping-pong p50 round trip, us')):
            series = []
            for m in MECH_ORDER:
                pts = []
                for k in sorted(k for k in cells if k[0] == kernel and k[1] == pat):
                    med = cells[k].median(m)
                    if med is None:
                        continue
                    y = med * k[3] / 1e6 if col == 'mb' else med / 1e3
                    pts.append('%d %g' % (k[3], y))
                if pts:
                    path = os.path.join(datdir, '%s-%s-%s.dat' % (kernel, pat, m))
                    with open(path, 'w') as f:
                        f.write('\n'.join(pts) + '\n')
                    series.append((m, path))
            panels.append((kernel, ylabel, series))
    png = os.path.join(outdir, 'bench.png')
    gp = ['set terminal pngcairo size 1400,%d font ",9"' % (450 * len(kernels)),
          'set output "%s"' % png,
          'set multiplot layout %d,2' % len(kernels),
          'set logscale xy', 'set grid', 'set key outside right',
          'set xlabel "message size, bytes"']
    for kernel, ylabel, series in panels:
        gp.append('set title "%s, %s"' % (kernel, ylabel))
        gp.append('set ylabel "%s"' % ylabel)
        if not series:
            gp.append('set label 1 "no data" at graph 0.5,0.5; plot NaN notitle; unset label 1')
            continue
        gp.append('plot ' + ', '.join(
            '"%s" using 1:2 with linespoints %stitle "%s"'
            % (p, 'lw 3 ' if m.startswith('mbox') else 'dt 2 ' if m in
               ('eventfd', 'shm-ring', 'ioctl-ring', 'rw-ring', 'memcpy') else '', m)
            for m, p in series))
    gp.append('unset multiplot')
    script = os.path.join(outdir, 'bench.gp')
    with open(script, 'w') as f:
        f.write('\n'.join(gp) + '\n')
    try:
        subprocess.run(['gnuplot', script], check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print('warning: gnuplot failed (%s); script %s' % (e, script), file=sys.stderr)
        return '(none: gnuplot failed)'
    return png


def main():
    if len(sys.argv) != 3:
        sys.exit('usage: report.py RESULTS.csv OUTDIR')
    path, outdir = sys.argv[1:]
    rng = random.Random(7)	# the same data gives the same intervals
    cells = load(path)
    kernels = list(collections.OrderedDict.fromkeys(k[0] for k in cells))
    for k in kernels:
        print_tables(cells, k, rng)
    notes = [n for k in kernels for n in floors(cells, k)]
    for n in notes:
        print(n)
    png = plot(cells, kernels, outdir)
    for k in kernels:
        for t in targets(cells, k, rng):
            print(t.line(k))
    print('results: %s' % os.path.abspath(path))
    print('plot: %s' % png)


if __name__ == '__main__':
    main()
