#! /usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
# The examples ns-3's test.py runs as tests inside an ns-3 source tree (./test.py -s 'chimney*'
# runs the suites; ./test.py --example=NAME one example; ./test.py runs all of them). Each example
# checks its own outcome (E1/E2, the verifier, the campaign's findings) and exits 0 on success,
# 1 on failure or a bad option, as ns-3's CommandLine does.
#
# A list of C++ examples to run in order to ensure that they remain buildable and runnable over
# time. Each tuple in the list contains
#
#     (example_name, do_run, do_valgrind_run).
#
# See test.py for more information.
cpp_examples = [
    ("chimney-graceful-close --bytes=30000 --finalBytes=700", "True", "True"),
    ("chimney-graceful-close --bytes=30000 --finalBytes=700 --link=csma", "True", "False"),
    ("chimney-abortive-close --bytes=300000 --abortAt=0.6", "True", "True"),
    ("chimney-terminate-mid-transfer --bytes=300000 --terminateAt=0.6", "True", "False"),
    ("chimney-remote-close --bytes=50000", "True", "False"),
    ("chimney-simultaneous-close --bytes=30000", "True", "False"),
    ("chimney-intermediate-layer --bytes=20000 --finalBytes=500", "True", "False"),
    ("chimney-p2p-baseline --pairs=2 --bytes=20000", "True", "False"),
    ("chimney-verifier-report --scenario=graceful", "True", "False"),
    ("chimney-campaign --hosts=8 --connections=4 --quiet", "True", "False"),
    ("chimney-campaign --hosts=8 --connections=4 --RngRun=2 --quiet", "True", "False"),
]

# The Python side of the module is its own pybind11 package (bindings/), built by the module's
# standalone CMake build, not by an ns-3 tree: no Python example runs here (README, "Python
# inside an ns-3 tree").
python_examples = []
