/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ns-3's own test-runner, for the standalone build: the module's ns-3 TestSuites
// (chimney-ns3-test-suites.cc) run exactly as ./test.py runs them inside an ns-3 source tree,
// e.g. `chimney-ns3-test-runner --test-name=chimney-unit --verbose`.

#include "ns3/test.h"

int
main(int argc, char** argv)
{
    return ns3::TestRunner::Run(argc, argv);
}
