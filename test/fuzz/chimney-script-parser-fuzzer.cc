/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// libFuzzer target for the chimney script parser (script/chimney-script-parser.cc, plain C++):
// no input crashes it, and every rejection names a line and a column inside the input.

#include "chimney-script.h"

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

extern "C" int
LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string text(reinterpret_cast<const char*>(data), size);
    ns3::ChimneyScript script;
    ns3::ScriptSyntaxError error;
    if (ns3::ParseChimneyScript(text, "fuzz.pkt", script, error))
    {
        if (script.events.empty() && !script.unsupported)
        {
            std::abort(); // accepted a script with nothing to run
        }
        for (const auto& e : script.events)
        {
            if (e.line < 1 || e.text.empty())
            {
                std::abort();
            }
        }
        return 0;
    }
    size_t lines = 1;
    for (char c : text)
    {
        lines += c == '\n';
    }
    if (error.line < 1 || static_cast<size_t>(error.line) > lines + 1 || error.column < 1 ||
        error.message.empty() || !script.events.empty())
    {
        std::abort(); // a rejection must say where, and run nothing
    }
    return 0;
}
