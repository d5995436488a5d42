# -*- Mode: python; py-indent-offset: 4; indent-tabs-mode: nil; coding: utf-8; -*-
# waf build for ns-3 trees before 3.36 (drop this folder into contrib/chimney).
# CMakeLists.txt lists the same files; test/check-build-lists.py keeps the two in agreement.


def configure(conf):
    conf.env.append_value("DEFINES", "NS3_LOG_ENABLE")
    conf.check_cfg(package="gtest", args=["--cflags", "--libs"], uselib_store="GTEST",
                   mandatory=False)


def build(bld):
    module = bld.create_ns3_module("chimney", ["internet", "point-to-point", "csma",
                                               "applications"])
    module.source = [
        "model/chimney-status.cc",
    ]

    headers = bld(features="ns3header")
    headers.module = "chimney"
    headers.source = [
        "model/chimney-status.h",
    ]

    if bld.env["ENABLE_TESTS"] and bld.env["LIB_GTEST"]:
        tests = bld.create_ns3_module_test_library("chimney")
        tests.use = ["GTEST"]
        tests.source = [
            "test/chimney-test-main.cc",
            # unit
            "test/chimney-status-test.cc",
            # system
            "test/ns3-tcp-harness-test.cc",
            # long
        ]

    if bld.env["ENABLE_EXAMPLES"]:
        bld.recurse("examples")
