# SPDX-License-Identifier: GPL-2.0-only
"""run_script(): a corpus script passes, a broken one fails at its line, a syntax error is a
BAD_SCRIPT naming line and column, a seeded defect fails a script that shows its rule."""

import os

import chimney_offload as co

SCRIPTS = os.path.join(os.environ.get("CHIMNEY_SOURCE_DIR",
                                      os.path.join(os.path.dirname(__file__), "..", "..")),
                       "test", "scripts")


def test_corpus_script_passes():
    result = co.run_script(os.path.join(SCRIPTS, "graceful-final-data.pkt"))
    assert result.outcome == "PASS", result.message
    assert result.passed and result.exit_code == 0
    assert result.events_run > 10 and result.findings == []


def test_broken_script_fails_at_its_line():
    result = co.run_script(os.path.join(SCRIPTS, "self-test", "broken.pkt"))
    assert result.outcome == "FAIL" and result.exit_code == 1
    assert result.line == 11
    assert "broken.pkt:11:" in result.message and "expected: > R" in result.message


def test_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "bad.pkt"
    path.write_text("0 socket(..., SOCK_STREAM, IPPROTO_TCP) = 3\n+0 < S 0:5(0) win 1\n")
    result = co.run_script(str(path))
    assert result.outcome == "BAD_SCRIPT" and result.exit_code == 2
    assert ":2:" in result.message and "does not match the payload length" in result.message


def test_seeded_defect_fails_with_the_rule():
    result = co.run_script(os.path.join(SCRIPTS, "graceful-final-data.pkt"),
                           defect="DropDisconnectData")
    assert result.outcome == "FAIL"
    assert any(f.startswith("W2") for f in result.findings), result.findings
