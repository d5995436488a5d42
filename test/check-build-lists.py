#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Check that CMakeLists.txt lists every source, header and example on disk, and nothing else.

CMakeLists.txt lists files explicitly (ns-3 style, for build_lib inside an ns-3 tree as for the
standalone build), so a file added to the tree but not to the lists would build standalone by
accident or not at all in a tree. This check fails on a file on disk that no list names, and on
a listed file that is missing.

  check-build-lists.py SOURCE_DIR              check the module tree
  check-build-lists.py --self-test SOURCE_DIR  prove the check fails on each kind of mistake
"""

import os
import re
import sys

FILE_RE = re.compile(
    r"\b((?:(?:model|helper|scenario|script)/(?:[A-Za-z0-9_-]+/)?|test/)[A-Za-z0-9_.-]+\.(?:cc|h))\b")
EXAMPLES_RE = re.compile(r"set\(\s*chimney_examples\s+([^)]*)\)", re.S)


def strip_comments(text):
    """Drop '#' comments."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def listed_files(text):
    return set(FILE_RE.findall(strip_comments(text)))


def listed_examples(text):
    """The examples, plus the example-support sources they name (e.g. chimney-tap-link.cc)."""
    text = strip_comments(text)
    m = EXAMPLES_RE.search(text)
    support = set(re.findall(r"\b([A-Za-z0-9_-]+)\.cc\b", text)) - {"${example}"}
    return (set(m.group(1).split()) if m else set()) | support


def files_on_disk(root):
    found = set()
    for folder in ("model", "helper", "scenario", "script", "test"):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        # the library's folders may have one level of subfolders (model/defects/); test/ has none
        # that is built (test/fuzz/ is its own build).
        subfolders = [""]
        if folder != "test":
            subfolders += [d + "/" for d in sorted(os.listdir(path))
                           if os.path.isdir(os.path.join(path, d))]
        for sub in subfolders:
            for name in os.listdir(os.path.join(path, sub)):
                # Headers under test/ are included by test sources, not compiled or installed.
                if name.endswith(".cc") or (name.endswith(".h") and folder != "test"):
                    found.add(f"{folder}/{sub}{name}")
    examples = set()
    path = os.path.join(root, "examples")
    if os.path.isdir(path):
        examples = {n[:-3] for n in os.listdir(path) if n.endswith(".cc")}
    return found, examples


def compare(texts, disk_files, disk_examples):
    """Return a list of human-readable problems (empty when everything agrees)."""
    problems = []
    files = listed_files(texts["CMakeLists.txt"])
    for f in sorted(disk_files - files):
        problems.append(f"{f}: on disk but not in CMakeLists.txt")
    for f in sorted(files - disk_files):
        problems.append(f"{f}: in CMakeLists.txt but missing on disk")
    examples = listed_examples(texts["examples/CMakeLists.txt"])
    for e in sorted(disk_examples - examples):
        problems.append(f"example {e}: examples/{e}.cc is not in examples/CMakeLists.txt")
    for e in sorted(examples - disk_examples):
        problems.append(f"example {e}: in examples/CMakeLists.txt but examples/{e}.cc is missing")
    return problems


def read_texts(root):
    texts = {}
    for name in ("CMakeLists.txt", "examples/CMakeLists.txt"):
        with open(os.path.join(root, name), encoding="utf-8") as f:
            texts[name] = f.read()
    return texts


def self_test(root):
    """Each mutation makes the lists and the disk disagree; the check must report every one."""
    texts = read_texts(root)
    disk_files, disk_examples = files_on_disk(root)
    if compare(texts, disk_files, disk_examples):
        print("self-test: the unmodified tree does not pass; run the plain check first")
        return 1
    cases = {
        "source on disk only": (texts, disk_files | {"model/forgotten.cc"}, disk_examples),
        "test on disk only": (texts, disk_files | {"test/forgotten-test.cc"}, disk_examples),
        "listed source missing": (texts, disk_files - {sorted(disk_files)[0]}, disk_examples),
        "example on disk only": (texts, disk_files, disk_examples | {"chimney-forgotten"}),
    }
    failures = 0
    for what, (t, files, examples) in cases.items():
        detected = bool(compare(t, files, examples))
        print(f"self-test: '{what}' {'detected' if detected else 'NOT detected'}")
        failures += 0 if detected else 1
    return 1 if failures else 0


def main(argv):
    args = [a for a in argv[1:] if a != "--self-test"]
    if len(args) != 1:
        print(__doc__)
        return 2
    root = args[0]
    if "--self-test" in argv:
        return self_test(root)
    disk_files, disk_examples = files_on_disk(root)
    problems = compare(read_texts(root), disk_files, disk_examples)
    for p in problems:
        print(p)
    if not problems:
        print("CMakeLists.txt lists every source, header, test and example on disk")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
