#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Render reStructuredText pages as rst2html (Debian's python3-docutils) would, printing
every warning, and knowing the little Sphinx markup the kernel's Documentation/ uses:

  .. kernel-doc:: FILE   runs the kernel's scripts/kernel-doc on FILE (relative to the
                         top of the tree) and renders its output in place; kernel-doc's
                         own warnings count as warnings of the page
  .. c:type:: and the other C-domain directives and roles kernel-doc emits render as
                         plain text and literals

usage: rst-check.py KERNEL_DOC OUTDIR PAGE.rst...
Writes OUTDIR/PAGE.html; prints "rendered: PAGE" for each page rendered.
"""
import os
import subprocess
import sys

from docutils import nodes, statemachine
from docutils.core import publish_file
from docutils.parsers.rst import Directive, directives, roles

KERNEL_DOC = sys.argv[1]
TOP = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


class KernelDoc(Directive):
    """The kernel's Sphinx extension, without Sphinx: kernel-doc -rst, parsed in place."""
    required_arguments = 1
    option_spec = {name: directives.unchanged for name in
                   ("doc", "export", "internal", "functions", "identifiers", "no-identifiers")}

    def run(self):
        path = self.arguments[0]
        cmd = ["perl", KERNEL_DOC, "-rst", "-enable-lineno", "-sphinx-version", "3.0"]
        for name in ("functions", "identifiers"):
            if name in self.options:
                cmd += [arg for ident in self.options[name].split() for arg in ("-function", ident)]
        if "doc" in self.options:
            cmd += ["-function", self.options["doc"]]
        res = subprocess.run(cmd + [path], cwd=TOP, capture_output=True, text=True)
        reporter = self.state.document.reporter
        for line in res.stderr.splitlines():
            if "warning" in line.lower() or "error" in line.lower():
                reporter.warning("kernel-doc: " + line, line=self.lineno)
        if res.returncode and not res.stdout:
            return [reporter.error("kernel-doc failed on %s" % path, line=self.lineno)]
        lines = [line for line in res.stdout.splitlines()
                 if not line.startswith(".. LINENO ")]
        self.state_machine.insert_input(statemachine.StringList(lines, path), path)
        return []


class CObject(Directive):
    """A C-domain object (".. c:type:: struct foo"): its name in bold, then its text."""
    has_content = True
    required_arguments = 1
    final_argument_whitespace = True
    option_spec = {"noindex": directives.flag, "noindexentry": directives.flag}

    def run(self):
        title = nodes.paragraph()
        title += nodes.strong(text=self.arguments[0])
        body = nodes.block_quote()
        self.state.nested_parse(self.content, self.content_offset, body)
        return [title, body]


def c_role(name, rawtext, text, lineno, inliner, options=None, content=None):
    return [nodes.literal(rawtext, text)], []


for kind in ("type", "struct", "union", "enum", "enumerator", "function", "macro",
             "member", "var"):
    directives.register_directive("c:" + kind, CObject)
for kind in ("type", "func", "macro", "data", "member", "enum", "struct", "union"):
    roles.register_local_role("c:" + kind, c_role)
directives.register_directive("kernel-doc", KernelDoc)

outdir = sys.argv[2]
os.makedirs(outdir, exist_ok=True)
for page in sys.argv[3:]:
    publish_file(source_path=page, writer_name="html",
                 destination_path=os.path.join(outdir, os.path.basename(page)[:-4] + ".html"),
                 settings_overrides={"report_level": 2, "halt_level": 5,
                                     "syntax_highlight": "none", "warning_stream": sys.stdout,
                                     "input_encoding": "utf-8"})
    print("rendered:", page)
