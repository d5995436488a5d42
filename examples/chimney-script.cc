/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// chimney-script: run scripted wire tests (packetdrill's dialect plus chimney lines,
// doc/chimney-script.rst) against a chimney host.
//
//   chimney-script test/scripts/graceful-basic.pkt      # one script: exit 0/1/2 (77 skip)
//   chimney-script test/scripts                         # a suite: one line each + a summary
//   chimney-script --junit=out.xml --defect=FreeOnFin test/scripts
//   chimney-script --expect-fail=LINE broken.pkt        # passes only if it fails at LINE

#include "ns3/chimney-net-device.h"
#include "ns3/chimney-script-runner.h"

#include <algorithm>
#include <dirent.h>
#include <fstream>
#include <iostream>
#include <string>
#include <sys/stat.h>
#include <vector>

using namespace ns3;

namespace
{

std::string
XmlEscape(const std::string& s)
{
    std::string out;
    for (char c : s)
    {
        switch (c)
        {
        case '<':
            out += "&lt;";
            break;
        case '>':
            out += "&gt;";
            break;
        case '&':
            out += "&amp;";
            break;
        case '"':
            out += "&quot;";
            break;
        default:
            out += c;
        }
    }
    return out;
}

bool
IsDirectory(const std::string& path)
{
    struct stat st
    {
    };

    return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

/// The scripts of a directory (*.pkt), sorted.
std::vector<std::string>
ListScripts(const std::string& dir)
{
    std::vector<std::string> files;
    if (DIR* d = opendir(dir.c_str()))
    {
        while (dirent* entry = readdir(d))
        {
            const std::string name = entry->d_name;
            if (name.size() > 4 && name.substr(name.size() - 4) == ".pkt")
            {
                files.push_back(dir + "/" + name);
            }
        }
        closedir(d);
    }
    std::sort(files.begin(), files.end());
    return files;
}

void
WriteJunit(const std::string& path, const std::vector<ChimneyScriptResult>& results)
{
    std::ofstream out(path);
    size_t failures = 0;
    size_t errors = 0;
    size_t skipped = 0;
    double time = 0;
    for (const auto& r : results)
    {
        failures += r.outcome == ChimneyScriptResult::FAIL;
        errors += r.outcome == ChimneyScriptResult::BAD_SCRIPT;
        skipped += r.outcome == ChimneyScriptResult::SKIP;
        time += r.simulatedSeconds;
    }
    out << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        << "<testsuite name=\"chimney-script\" tests=\"" << results.size() << "\" failures=\""
        << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\">\n";
    for (const auto& r : results)
    {
        out << "  <testcase classname=\"chimney-script\" name=\"" << XmlEscape(r.script)
            << "\" time=\"" << r.simulatedSeconds << "\"";
        if (r.outcome == ChimneyScriptResult::PASS)
        {
            out << "/>\n";
            continue;
        }
        out << ">\n";
        const char* tag = r.outcome == ChimneyScriptResult::FAIL         ? "failure"
                          : r.outcome == ChimneyScriptResult::BAD_SCRIPT ? "error"
                                                                         : "skipped";
        out << "    <" << tag << " message=\""
            << XmlEscape(r.message.substr(0, r.message.find('\n'))) << "\">" << XmlEscape(r.message)
            << "</" << tag << ">\n  </testcase>\n";
    }
    out << "</testsuite>\n";
}

int
Usage()
{
    std::cerr << "usage: chimney-script [--junit=FILE] [--defect=NAME] [--verbose] "
                 "[--expect-fail=LINE] [--list-defects] SCRIPT|DIR...\n";
    return 2;
}

} // namespace

int
main(int argc, char* argv[])
{
    ChimneyScriptRunner runner;
    std::string junit;
    int expectFailLine = 0;
    std::vector<std::string> paths;
    bool suite = false;
    for (int i = 1; i < argc; ++i)
    {
        const std::string arg = argv[i];
        if (arg.rfind("--junit=", 0) == 0)
        {
            junit = arg.substr(8);
        }
        else if (arg.rfind("--defect=", 0) == 0)
        {
            const auto names = ChimneyNetDevice::GetDefectNames();
            if (std::find(names.begin(), names.end(), arg.substr(9)) == names.end())
            {
                std::cerr << "chimney-script: unknown defect '" << arg.substr(9)
                          << "' (--list-defects lists them)\n";
                return 2;
            }
            runner.SetDefect(arg.substr(9));
        }
        else if (arg == "--list-defects")
        {
            for (const auto& name : ChimneyNetDevice::GetDefectNames())
            {
                std::cout << name << "\n";
            }
            return 0;
        }
        else if (arg == "--verbose")
        {
            runner.SetVerbose(true);
        }
        else if (arg.rfind("--expect-fail=", 0) == 0)
        {
            expectFailLine = std::atoi(arg.c_str() + 14);
        }
        else if (arg.rfind("--", 0) == 0)
        {
            std::cerr << "chimney-script: unknown option " << arg << "\n";
            return Usage();
        }
        else if (IsDirectory(arg))
        {
            suite = true;
            for (const auto& f : ListScripts(arg))
            {
                paths.push_back(f);
            }
        }
        else
        {
            paths.push_back(arg);
        }
    }
    if (paths.empty())
    {
        return Usage();
    }
    suite = suite || paths.size() > 1;
    std::vector<ChimneyScriptResult> results;
    size_t counts[4] = {0, 0, 0, 0};
    for (const auto& path : paths)
    {
        ChimneyScriptResult r = runner.RunFile(path);
        ++counts[r.outcome];
        std::cout << r.OutcomeName() << " " << path << "\n";
        if (!r.message.empty())
        {
            std::cout << "  " << r.message << "\n";
        }
        results.push_back(r);
    }
    if (!junit.empty())
    {
        WriteJunit(junit, results);
    }
    if (suite)
    {
        std::cout << "chimney-script: " << results.size() << " scripts, " << counts[0]
                  << " passed, " << counts[1] << " failed, " << counts[2] << " bad, " << counts[3]
                  << " skipped\n";
    }
    if (expectFailLine)
    {
        // Self-test mode: the one script must fail, at the line given, with its name and line.
        const ChimneyScriptResult& r = results.front();
        const std::string where = ":" + std::to_string(expectFailLine) + ":";
        const bool ok = r.outcome == ChimneyScriptResult::FAIL && r.line == expectFailLine &&
                        r.message.find(where) != std::string::npos;
        std::cout << (ok ? "expected failure seen" : "did NOT fail as expected") << "\n";
        return ok ? 0 : 1;
    }
    if (counts[ChimneyScriptResult::FAIL])
    {
        return 1;
    }
    if (counts[ChimneyScriptResult::BAD_SCRIPT])
    {
        return 2;
    }
    if (!suite && counts[ChimneyScriptResult::SKIP])
    {
        return 77;
    }
    return 0;
}
