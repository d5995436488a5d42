# SPDX-License-Identifier: GPL-2.0-only
# Sphinx configuration for the chimney module's documentation on its own (scripts/build-doc.sh).
# Inside an ns-3 source tree, doc/chimney.rst is part of ns-3's model library instead.
import os

project = "ns-3 chimney module"
author = "the chimney module authors"
with open(os.path.join(os.path.dirname(__file__), "..", "VERSION")) as f:
    version = release = f.read().strip()
master_doc = "index"
exclude_patterns = ["_build", "replace.txt"]
highlight_language = "cpp"
html_theme = "alabaster"
