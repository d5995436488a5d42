# SPDX-License-Identifier: GPL-2.0-only
"""Shared fixtures of the chimney_offload tests (run by ctest as Python.Pytest with
PYTHONPATH=<build>/python, or by hand: PYTHONPATH=build/python /usr/bin/python3 -m pytest
bindings/tests)."""

import os
import pathlib

import pytest

import chimney_offload as co

SOURCE_DIR = pathlib.Path(
    os.environ.get("CHIMNEY_SOURCE_DIR", pathlib.Path(__file__).resolve().parents[2])
)


def small(**fields):
    """A scenario that runs in well under a second: 2 hosts x 3 connections, small transfers."""
    settings = dict(
        hosts=2,
        connections=3,
        dataRate="2Mbps",  # transfers of tens of ms: offloaded connections show in the series
        bytesMin=2000,
        bytesMax=12000,
        peerBytesMin=0,
        peerBytesMax=3000,
        startWindow=0.2,
        stopTime=120.0,
        sampleInterval=0.05,
        seed=3,
    )
    settings.update(fields)
    return co.make_config(**settings)


@pytest.fixture(scope="session")
def source_dir():
    return SOURCE_DIR


@pytest.fixture(scope="session")
def small_config():
    return small()


@pytest.fixture(scope="session")
def small_result(small_config):
    return co.run_scenario(small_config)
