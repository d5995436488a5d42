#!/usr/bin/env python3
"""Check that CMakeLists.txt and wscript name the same sources, headers, tests and examples.

Both build descriptions list files explicitly (ns-3 style). This check fails when a file is added
to one list only, or when a file on disk is listed in neither, so the two builds cannot drift.

  check-build-lists.py SOURCE_DIR            check the module tree
  check-build-lists.py --self-test SOURCE_DIR prove the check fails on a file in one list only
"""

import os
import re
import sys

FILE_RE = re.compile(
    r"\b((?:(?:model|helper)/(?:[A-Za-z0-9_-]+/)?|test/)[A-Za-z0-9_.-]+\.(?:cc|h))\b")
CMAKE_EXAMPLES_RE = re.compile(r"set\(\s*chimney_examples\s+([^)]*)\)", re.S)
WAF_EXAMPLES_RE = re.compile(r"EXAMPLES\s*=\s*\[([^\]]*)\]", re.S)


def strip_comments(text):
    """Drop '#' comments (same syntax in CMake and Python)."""
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def listed_files(text):
    return set(FILE_RE.findall(strip_comments(text)))


def cmake_examples(text):
    m = CMAKE_EXAMPLES_RE.search(strip_comments(text))
    return set(m.group(1).split()) if m else set()


def waf_examples(text):
    m = WAF_EXAMPLES_RE.search(strip_comments(text))
    return set(re.findall(r"[\"']([A-Za-z0-9_.-]+)[\"']", m.group(1))) if m else set()


def files_on_disk(root):
    found = set()
    for folder in ("model", "helper", "test"):
        path = os.path.join(root, folder)
        if not os.path.isdir(path):
            continue
        # model/ and helper/ may have one level of subfolders (model/defects/); test/ has none
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
    cmake_files = listed_files(texts["CMakeLists.txt"])
    waf_files = listed_files(texts["wscript"])
    for f in sorted(cmake_files - waf_files):
        problems.append(f"{f}: in CMakeLists.txt but not in wscript")
    for f in sorted(waf_files - cmake_files):
        problems.append(f"{f}: in wscript but not in CMakeLists.txt")
    for f in sorted(disk_files - (cmake_files | waf_files)):
        problems.append(f"{f}: on disk but in neither CMakeLists.txt nor wscript")
    for f in sorted((cmake_files | waf_files) - disk_files):
        problems.append(f"{f}: listed but missing on disk")

    cm_ex = cmake_examples(texts["examples/CMakeLists.txt"])
    waf_ex = waf_examples(texts["examples/wscript"])
    for e in sorted(cm_ex - waf_ex):
        problems.append(f"example {e}: in examples/CMakeLists.txt but not in examples/wscript")
    for e in sorted(waf_ex - cm_ex):
        problems.append(f"example {e}: in examples/wscript but not in examples/CMakeLists.txt")
    for e in sorted(disk_examples - (cm_ex | waf_ex)):
        problems.append(f"example {e}: examples/{e}.cc is listed in neither build")
    return problems


def read_texts(root):
    names = ("CMakeLists.txt", "wscript", "examples/CMakeLists.txt", "examples/wscript")
    texts = {}
    for name in names:
        with open(os.path.join(root, name), encoding="utf-8") as f:
            texts[name] = f.read()
    return texts


def self_test(root):
    """Each mutation adds a file to one list only; the check must report every one."""
    texts = read_texts(root)
    disk_files, disk_examples = files_on_disk(root)
    if compare(texts, disk_files, disk_examples):
        print("self-test: the unmodified tree does not pass; run the plain check first")
        return 1
    mutations = {
        "source in CMake only": ("CMakeLists.txt", "set(chimney_sources\n",
                                 "set(chimney_sources\n    model/not-in-wscript.cc\n"),
        "header in wscript only": ("wscript", "headers.source = [\n",
                                   'headers.source = [\n        "model/not-in-cmake.h",\n'),
        "test in CMake only": ("CMakeLists.txt", "set(chimney_test_unit_sources\n",
                               "set(chimney_test_unit_sources\n    test/not-in-wscript.cc\n"),
        "example in waf only": ("examples/wscript", "EXAMPLES = [\n",
                                'EXAMPLES = [\n    "not-in-cmake",\n'),
    }
    failures = 0
    for what, (name, anchor, replacement) in mutations.items():
        mutated = dict(texts)
        if anchor not in mutated[name]:
            print(f"self-test: anchor for '{what}' not found in {name}")
            failures += 1
            continue
        mutated[name] = mutated[name].replace(anchor, replacement, 1)
        if compare(mutated, disk_files, disk_examples):
            print(f"self-test: '{what}' detected")
        else:
            print(f"self-test: '{what}' NOT detected")
            failures += 1
    # A file on disk listed nowhere must be reported too.
    if not compare(texts, disk_files | {"model/forgotten.cc"}, disk_examples):
        print("self-test: unlisted file on disk NOT detected")
        failures += 1
    else:
        print("self-test: unlisted file on disk detected")
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
        print("wscript and CMakeLists.txt list the same files")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
