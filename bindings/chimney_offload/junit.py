# SPDX-License-Identifier: GPL-2.0-only
"""JUnit XML from campaign results: one test case per scenario, its findings as a failure.

CI systems (Jenkins, GitLab, GitHub test reporters) read the usual Ant/JUnit shape:
<testsuites><testsuite><testcase classname name time>[<failure>|<error>]</testcase>...
A scenario with verifier findings fails (the message counts them by invariant ID, the text lists
the stored findings and the options that reproduce the run); a scenario whose task failed is an
error; the others pass.
"""

import json
import xml.etree.ElementTree as ElementTree

__all__ = ["write_junit", "junit_tree"]


def _finding_line(finding):
    where = f"{finding['local']} > {finding['remote']}" if finding.get("local") else "-"
    line = (
        f"[{finding['id']}] {finding['time']:.6f}s node {finding['node']} "
        f"dev {finding['device']} {where}: {finding['description']}"
    )
    if finding.get("evidence"):
        line += f" ({finding['evidence']})"
    return line


def junit_tree(frame, suite="chimney-campaign"):
    """The JUnit XML tree (an ElementTree) of a results frame."""
    root = ElementTree.Element("testsuites")
    cases, failures, errors, total_time = [], 0, 0, 0.0
    for row in frame.to_dict("records"):
        seconds = row.get("wallSeconds")
        seconds = 0.0 if seconds is None or seconds != seconds else float(seconds)
        total_time += seconds
        case = ElementTree.Element(
            "testcase",
            classname=f"chimney.{row['configHash']}",
            name=f"seed={int(row['seed'])}"
            + (f" run={int(row['run'])}" if int(row.get("run", 1) or 1) != 1 else ""),
            time=f"{seconds:.3f}",
        )
        properties = ElementTree.SubElement(case, "properties")
        for name in ("command", "reproduce"):
            ElementTree.SubElement(properties, "property", name=name, value=str(row.get(name, "")))
        if row.get("status") != "ok":
            errors += 1
            error = ElementTree.SubElement(
                case, "error", message=str(row.get("error", "")), type="ScenarioError"
            )
            error.text = f"{row.get('error', '')}\nreproduce with: {row.get('reproduce', '')}"
        elif int(row.get("findingTotal", 0)) > 0:
            failures += 1
            counts = {
                name[len("findings."):]: int(value)
                for name, value in row.items()
                if name.startswith("findings.") and value and int(value) > 0
            }
            message = f"{int(row['findingTotal'])} finding(s): " + ", ".join(
                f"{name} x{count}" for name, count in counts.items()
            )
            failure = ElementTree.SubElement(case, "failure", message=message, type="findings")
            stored = json.loads(row.get("findingsList") or "[]")
            lines = [_finding_line(f) for f in stored]
            if int(row["findingTotal"]) > len(stored):
                lines.append(f"... {int(row['findingTotal']) - len(stored)} more")
            lines.append(f"reproduce with: {row.get('reproduce', '')}")
            failure.text = "\n".join(lines)
        cases.append(case)
    testsuite = ElementTree.SubElement(
        root,
        "testsuite",
        name=suite,
        tests=str(len(cases)),
        failures=str(failures),
        errors=str(errors),
        skipped="0",
        time=f"{total_time:.3f}",
    )
    testsuite.extend(cases)
    root.set("tests", str(len(cases)))
    root.set("failures", str(failures))
    root.set("errors", str(errors))
    return ElementTree.ElementTree(root)


def write_junit(frame, path, suite="chimney-campaign"):
    """Write the JUnit XML report of a results frame to path."""
    tree = junit_tree(frame, suite)
    ElementTree.indent(tree)
    tree.write(path, encoding="utf-8", xml_declaration=True)
