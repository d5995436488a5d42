# -*- Mode: python; py-indent-offset: 4; indent-tabs-mode: nil; coding: utf-8; -*-
# waf build for ns-3 trees before 3.36 (drop this folder into contrib/chimney).
# CMakeLists.txt lists the same files; test/check-build-lists.py keeps the two in agreement.


# Programs with their own main(), built by CMakeLists.txt only (test-runner has the main here).
STANDALONE_ONLY = ["test/chimney-test-main.cc", "test/chimney-ns3-test-runner.cc"]


def configure(conf):
    conf.env.append_value("DEFINES", "NS3_LOG_ENABLE")
    conf.check_cfg(package="gtest", args=["--cflags", "--libs"], uselib_store="GTEST",
                   mandatory=False)


def build(bld):
    module = bld.create_ns3_module("chimney", ["internet", "point-to-point", "csma",
                                               "applications", "fd-net-device"])
    module.source = [
        "helper/chimney-campaign-report.cc",
        "helper/chimney-helper.cc",
        "helper/chimney-example-options.cc",
        "helper/chimney-lifecycle.cc",
        "helper/chimney-pair-builder.cc",
        "helper/chimney-scenario.cc",
        "helper/chimney-scenario-config.cc",
        "helper/chimney-scenario-report.cc",
        "helper/chimney-scenario-topology.cc",
        "helper/chimney-scenario-workload.cc",
        "helper/chimney-stack-helper.cc",
        "helper/chimney-stream-endpoint.cc",
        "helper/chimney-tap-link.cc",
        "helper/chimney-timeline.cc",
        "helper/chimney-verifier-helper.cc",
        "model/chimney-finding.cc",
        "model/chimney-fault-connection.cc",
        "model/chimney-fault-injector.cc",
        "model/chimney-fault-plan.cc",
        "model/chimney-host-stack.cc",
        "model/chimney-intermediate-driver.cc",
        "model/chimney-link-fault-model.cc",
        "model/chimney-net-device.cc",
        "model/chimney-socket.cc",
        "model/chimney-socket-factory.cc",
        "model/chimney-status.cc",
        "model/chimney-types.cc",
        "model/chimney-verifier.cc",
        "model/net-buffer-list.cc",
        "model/offload-state.cc",
        "model/tcp-delegated-state.cc",
        "model/tcp-engine.cc",
        "model/tcp-segment.cc",
        "model/tcp-segment-packet.cc",
        "model/wire-segment.cc",
    ]

    headers = bld(features="ns3header")
    headers.module = "chimney"
    headers.source = [
        "helper/chimney-campaign-report.h",
        "helper/chimney-helper.h",
        "helper/chimney-example-options.h",
        "helper/chimney-lifecycle.h",
        "helper/chimney-pair-builder.h",
        "helper/chimney-scenario.h",
        "helper/chimney-scenario-topology.h",
        "helper/chimney-scenario-workload.h",
        "helper/chimney-stack-helper.h",
        "helper/chimney-stream-endpoint.h",
        "helper/chimney-tap-link.h",
        "helper/chimney-timeline.h",
        "helper/chimney-verifier-helper.h",
        "model/chimney-finding.h",
        "model/chimney-fault-connection.h",
        "model/chimney-fault-injector.h",
        "model/chimney-fault-plan.h",
        "model/chimney-host-stack.h",
        "model/chimney-interface.h",
        "model/chimney-intermediate-driver.h",
        "model/chimney-link-fault-model.h",
        "model/chimney-net-device.h",
        "model/chimney-ns3-compat.h",
        "model/chimney-socket.h",
        "model/chimney-socket-factory.h",
        "model/chimney-status.h",
        "model/chimney-types.h",
        "model/chimney-verifier.h",
        "model/net-buffer-list.h",
        "model/offload-state.h",
        "model/tcp-delegated-state.h",
        "model/tcp-engine.h",
        "model/tcp-segment.h",
        "model/tcp-segment-packet.h",
        "model/tcp-seq.h",
        "model/wire-segment.h",
    ]

    if bld.env["ENABLE_TESTS"] and bld.env["LIB_GTEST"]:
        tests = bld.create_ns3_module_test_library("chimney")
        tests.use = ["GTEST"]
        tests.source = [
            "test/chimney-ns3-test-suites.cc",
            # unit
            "test/chimney-test-adapter-test.cc",
            "test/chimney-fault-plan-test.cc",
            "test/chimney-interface-types-test.cc",
            "test/chimney-status-test.cc",
            "test/tcp-engine-link-test.cc",
            "test/tcp-engine-state-test.cc",
            # system
            "test/chimney-scenario-test.cc",
            "test/chimney-fault-test.cc",
            "test/chimney-intermediate-driver-test.cc",
            "test/chimney-host-stack-test.cc",
            "test/chimney-net-device-test.cc",
            "test/chimney-verifier-defect-test.cc",
            "test/chimney-verifier-test.cc",
            "test/engine-ns3-adapter.cc",
            "test/ns3-tcp-harness-test.cc",
            "test/tcp-engine-interop-test.cc",
            # long
            "test/tcp-engine-long-test.cc",
        ]

    if bld.env["ENABLE_EXAMPLES"]:
        bld.recurse("examples")
