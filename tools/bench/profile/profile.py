#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions of a send and a receive go, by function.

Usage: profile.py REPORT PREFIX KERNEL SIZE

REPORT is the guest's report of a `mbox-bench --profile` run: its
"#profile LABEL MESSAGES" lines name the intervals the insn-profile plugin
wrote to PREFIX.0, PREFIX.1, ... in order, and its "sym" lines are the
guest's /proc/kallsyms. Prints, per mechanism, the instructions per message
sent and received: first by where they go, then by function.
"""
import bisect
import collections
import re
import sys

# Where an instruction goes, by the function it is in: the first that matches.
GROUPS = [
    ('user space', r'\[user\]$'),
    ('mbox.ko', r'.* \[mbox\]$'),
    ('system call entry and exit',
     r'(entry_SYSCALL|do_syscall_64|syscall_|x64_sys_call|__x64_sys_|ksys_|'
     r'fpregs_assert_state_consistent|arch_exit_to_user_mode|exit_to_user_mode)'),
    ('VFS, file table and security hooks',
     r'(vfs_|do_vfs_ioctl|rw_verify_area|security_|apparmor_|aa_|bpf_lsm_|tomoyo_|'
     r'fdget|__fget|fput|__f_unlock_pos)'),
    ('hardened usercopy checks',
     r'(__check_object_size|__check_heap_object|__virt_addr_valid|check_stack_object|'
     r'is_vmalloc_addr|check_heap_object)$'),
    ('copying to and from user space',
     r'(rep_movs_alternative|_copy_from_user|_copy_to_user|copy_page_from_iter|'
     r'copy_page_to_iter|_copy_from_iter|_copy_to_iter|__get_user_|__put_user_)'),
    ('the rest of the kernel', r''),
]
TOP = 25       # functions listed per mechanism


def group(fn):
    for name, pat in GROUPS:
        if re.match(pat, fn):
            return name
    return GROUPS[-1][0]


def read_report(path):
    labels, syms = [], []
    for line in open(path, errors='replace'):
        if line.startswith('mbox-vm: csv #profile '):
            label, msgs = line.split()[3:5]
            labels.append((label, int(msgs)))
        elif line.startswith('mbox-vm: sym '):
            f = line.split()[2:]
            if len(f) >= 3:
                syms.append((int(f[0], 16), ' '.join(f[2:])))
    syms.sort()
    return labels, syms


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    report, prefix, kernel, size = sys.argv[1:]
    labels, syms = read_report(report)
    if not labels or not syms:
        sys.exit('profile.py: no intervals or no symbols in ' + report)
    addrs = [a for a, _ in syms]

    def function(vaddr):
        if vaddr < 1 << 47:
            return '[user]'
        i = bisect.bisect_right(addrs, vaddr) - 1
        return syms[i][1] if i >= 0 else '[unknown]'

    per = collections.defaultdict(collections.Counter)
    msgs = collections.Counter()
    cache = {}
    for i, (label, n) in enumerate(labels):
        if label == '-':
            continue
        msgs[label] += n
        for line in open('%s.%d' % (prefix, i)):
            va, insns, runs = line.split()
            va = int(va, 16)
            if va not in cache:
                cache[va] = function(va)
            per[label][cache[va]] += int(insns) * int(runs)
    mechs = sorted(per, key=lambda m: (m != 'mbox', m))
    if not mechs:
        sys.exit('profile.py: no mechanism was marked')

    print('== profile on %s: guest instructions per message sent and received (%s B,'
          ' cost cell), counted by QEMU\'s insn-profile plugin' % (kernel, size))
    print('%-36s' % 'where' + ''.join('%10s' % m for m in mechs))
    for name, _ in GROUPS:
        row = [sum(v for f, v in per[m].items() if group(f) == name) / msgs[m]
               for m in mechs]
        print('%-36s' % name + ''.join('%10.0f' % v for v in row))
    print('%-36s' % 'total' + ''.join('%10.0f' % (sum(per[m].values()) / msgs[m])
                                      for m in mechs))
    for m in mechs:
        print('\n== profile on %s: %s, the %d functions running the most' % (kernel, m, TOP))
        for f, v in per[m].most_common(TOP):
            print('%10.1f  %-40s %s' % (v / msgs[m], f, group(f)))


if __name__ == '__main__':
    main()
