/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-script.h"

#include <cctype>
#include <set>
#include <sstream>

namespace ns3
{

namespace
{

/// Thrown inside the parser only; ParseChimneyScript turns it into a ScriptSyntaxError.
struct SyntaxFailure
{
    int line;
    int column;
    std::string message;
};

/// Socket calls the runner maps onto ChimneySocket (packetdrill's names).
const std::set<std::string>&
SocketCalls()
{
    static const std::set<std::string> calls{"socket",
                                             "bind",
                                             "listen",
                                             "accept",
                                             "connect",
                                             "write",
                                             "read",
                                             "send",
                                             "recv",
                                             "close",
                                             "shutdown",
                                             "setsockopt",
                                             "getsockopt",
                                             "fcntl"};
    return calls;
}

/// Chimney calls (the host's side of the offload interface).
const std::set<std::string>&
ChimneyCalls()
{
    static const std::set<std::string> calls{"offload",
                                             "terminate",
                                             "disconnect",
                                             "post_receive",
                                             "retrieve",
                                             "hardware_failure"};
    return calls;
}

/// A cursor over one logical line.
class Cursor
{
  public:
    Cursor(const std::string& text, int line)
        : m_text(text),
          m_line(line)
    {
    }

    void SkipSpace()
    {
        while (m_pos < m_text.size() && std::isspace(static_cast<unsigned char>(m_text[m_pos])))
        {
            ++m_pos;
        }
    }

    bool AtEnd()
    {
        SkipSpace();
        return m_pos >= m_text.size();
    }

    char Peek()
    {
        SkipSpace();
        return m_pos < m_text.size() ? m_text[m_pos] : '\0';
    }

    bool StartsWith(const std::string& s)
    {
        SkipSpace();
        return m_text.compare(m_pos, s.size(), s) == 0;
    }

    bool Accept(const std::string& s)
    {
        if (StartsWith(s))
        {
            m_pos += s.size();
            return true;
        }
        return false;
    }

    void Expect(const std::string& s, const std::string& what)
    {
        if (!Accept(s))
        {
            Fail("expected " + what + ", found " + Found());
        }
    }

    /// A word: letters, digits and '_'.
    std::string Word()
    {
        SkipSpace();
        const size_t start = m_pos;
        while (m_pos < m_text.size() &&
               (std::isalnum(static_cast<unsigned char>(m_text[m_pos])) || m_text[m_pos] == '_'))
        {
            ++m_pos;
        }
        return m_text.substr(start, m_pos - start);
    }

    /// An unsigned decimal integer that fits in 32 bits (packetdrill: numbers are u32 here).
    uint32_t Number(const std::string& what)
    {
        SkipSpace();
        const size_t start = m_pos;
        uint64_t value = 0;
        while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos])))
        {
            value = value * 10 + static_cast<uint64_t>(m_text[m_pos] - '0');
            if (value > 0xffffffffULL)
            {
                m_pos = start;
                Fail(what + " is out of range (0..4294967295)");
            }
            ++m_pos;
        }
        if (m_pos == start)
        {
            Fail("expected " + what + ", found " + Found());
        }
        return static_cast<uint32_t>(value);
    }

    /// Seconds with at most 6 decimals ("0", ".1", "1.000250") as microseconds.
    int64_t Seconds()
    {
        SkipSpace();
        const size_t start = m_pos;
        int64_t whole = 0;
        bool digits = false;
        while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos])))
        {
            whole = whole * 10 + (m_text[m_pos] - '0');
            digits = true;
            if (whole > 1000000000)
            {
                m_pos = start;
                Fail("time is too large");
            }
            ++m_pos;
        }
        int64_t frac = 0;
        int places = 0;
        if (m_pos < m_text.size() && m_text[m_pos] == '.' && m_text.compare(m_pos, 3, "...") != 0)
        {
            ++m_pos;
            while (m_pos < m_text.size() && std::isdigit(static_cast<unsigned char>(m_text[m_pos])))
            {
                if (places == 6)
                {
                    Fail("time has more than 6 decimals (microseconds)");
                }
                frac = frac * 10 + (m_text[m_pos] - '0');
                ++places;
                digits = true;
                ++m_pos;
            }
        }
        if (!digits)
        {
            m_pos = start;
            Fail("expected a time in seconds, found " + Found());
        }
        for (; places < 6; ++places)
        {
            frac *= 10;
        }
        return whole * 1000000 + frac;
    }

    std::string Found()
    {
        SkipSpace();
        if (m_pos >= m_text.size())
        {
            return "end of line";
        }
        size_t end = m_pos;
        while (end < m_text.size() && !std::isspace(static_cast<unsigned char>(m_text[end])) &&
               end - m_pos < 20)
        {
            ++end;
        }
        return "'" + m_text.substr(m_pos, end - m_pos) + "'";
    }

    [[noreturn]] void Fail(const std::string& message) const
    {
        throw SyntaxFailure{m_line, static_cast<int>(m_pos) + 1, message};
    }

    size_t Pos() const
    {
        return m_pos;
    }

    void SetPos(size_t pos)
    {
        m_pos = pos;
    }

    const std::string& Text() const
    {
        return m_text;
    }

    int Line() const
    {
        return m_line;
    }

  private:
    const std::string& m_text;
    int m_line;
    size_t m_pos{0};
};

/// Replace comments ("//" to end of line, "/* */") by spaces, keeping lines and columns.
std::string
StripComments(const std::string& text, int* unterminatedLine)
{
    std::string out = text;
    int line = 1;
    for (size_t i = 0; i < out.size(); ++i)
    {
        if (out[i] == '\n')
        {
            ++line;
        }
        else if (out.compare(i, 2, "//") == 0)
        {
            for (; i < out.size() && out[i] != '\n'; ++i)
            {
                out[i] = ' ';
            }
            --i;
        }
        else if (out.compare(i, 2, "/*") == 0)
        {
            const int start = line;
            size_t j = i;
            for (; j < out.size() && out.compare(j, 2, "*/") != 0; ++j)
            {
                if (out[j] == '\n')
                {
                    ++line;
                }
                else
                {
                    out[j] = ' ';
                }
            }
            if (j >= out.size())
            {
                *unterminatedLine = start;
                return out;
            }
            out[j] = out[j + 1] = ' ';
            i = j + 1;
        }
    }
    return out;
}

ScriptTime
ParseTime(Cursor& c)
{
    ScriptTime t;
    if (c.Accept("*"))
    {
        t.kind = ScriptTime::ANY;
        return t;
    }
    const bool relative = c.Accept("+");
    if (!relative && c.Peek() == '-')
    {
        c.Fail("negative times are not supported");
    }
    t.kind = relative ? ScriptTime::RELATIVE : ScriptTime::ABSOLUTE;
    t.startUs = c.Seconds();
    // "a~b" (packetdrill's range) or "a...b" (the end of a blocking call): a window.
    const bool blocking = c.StartsWith("...");
    if (c.Accept("~") || c.Accept("..."))
    {
        // "+0...0.1" (a blocking call's end) takes the start's kind; "a~b" states each end.
        const bool endRelative = c.Accept("+") || (blocking && relative);
        if (endRelative != relative)
        {
            c.Fail("both ends of a time range must be relative ('+') or both absolute");
        }
        t.relative = relative;
        t.kind = ScriptTime::RANGE;
        t.endUs = c.Seconds();
        if (t.endUs < t.startUs)
        {
            c.Fail("time range ends before it starts");
        }
    }
    return t;
}

void
ParseOptions(Cursor& c, ScriptPacket& p)
{
    // '<' already consumed.
    p.hasOptions = true;
    if (c.Accept("...>"))
    {
        p.anyOptions = true;
        return;
    }
    p.anyOptions = false;
    while (true)
    {
        const size_t at = c.Pos();
        const std::string kind = c.Word();
        ScriptTcpOption o;
        o.kind = kind;
        if (kind == "mss")
        {
            o.value = c.Number("mss value");
            if (o.value > 0xffff)
            {
                c.Fail("mss value is out of range (0..65535)");
            }
        }
        else if (kind == "wscale")
        {
            o.value = c.Number("wscale value");
            if (o.value > 14)
            {
                c.Fail("wscale value is out of range (0..14)");
            }
        }
        else if (kind == "TS")
        {
            c.Expect("val", "'val'");
            o.value = c.Number("TS val");
            c.Expect("ecr", "'ecr'");
            o.value2 = c.Number("TS ecr");
        }
        else if (kind == "sackOK" || kind == "nop" || kind == "eol")
        {
        }
        else if (kind == "sack" || kind == "FO" || kind == "mptcp" || kind == "md5")
        {
            c.SetPos(at);
            throw SyntaxFailure{c.Line(), static_cast<int>(at) + 1, "unsupported:" + kind};
        }
        else
        {
            c.SetPos(at);
            c.Fail("unknown TCP option " + c.Found() +
                   " (mss, wscale, sackOK, TS val N ecr N, nop, eol, or <...>)");
        }
        p.options.push_back(o);
        if (c.Accept(">"))
        {
            return;
        }
        c.Expect(",", "',' or '>' in the option list");
    }
}

void
ParsePacket(Cursor& c, ScriptEvent& e)
{
    ScriptPacket& p = e.packet;
    p.inbound = c.Accept("<");
    if (!p.inbound)
    {
        c.Expect(">", "'<' or '>'");
    }
    c.SkipSpace();
    const std::string flagChars = "SFRP.EWU";
    size_t n = 0;
    while (c.Pos() < c.Text().size() && flagChars.find(c.Text()[c.Pos()]) != std::string::npos)
    {
        switch (c.Text()[c.Pos()])
        {
        case 'F':
            p.flags |= 0x01;
            break;
        case 'S':
            p.flags |= 0x02;
            break;
        case 'R':
            p.flags |= 0x04;
            break;
        case 'P':
            p.flags |= 0x08;
            break;
        case '.':
            p.flags |= 0x10;
            break;
        case 'U':
            p.flags |= 0x20;
            break;
        case 'E':
            p.flags |= 0x40;
            break;
        case 'W':
            p.flags |= 0x80;
            break;
        }
        c.SetPos(c.Pos() + 1);
        ++n;
    }
    if (n == 0)
    {
        c.Fail("expected TCP flags (S F R P . E W U), found " + c.Found());
    }
    const size_t seqAt = c.Pos();
    p.seq = c.Number("start sequence number");
    c.Expect(":", "':' between start and end sequence numbers");
    p.end = c.Number("end sequence number");
    c.Expect("(", "'(' before the payload length");
    p.len = c.Number("payload length");
    c.Expect(")", "')' after the payload length");
    if (p.end - p.seq != p.len)
    {
        c.SetPos(seqAt);
        c.Fail("sequence range " + std::to_string(p.seq) + ":" + std::to_string(p.end) +
               " does not match the payload length (" + std::to_string(p.len) + ")");
    }
    if (p.len > 65000)
    {
        c.SetPos(seqAt);
        c.Fail("payload length is larger than one segment can carry");
    }
    while (!c.AtEnd())
    {
        if (c.Accept("ack"))
        {
            p.hasAck = true;
            p.ack = c.Number("acknowledgment number");
        }
        else if (c.Accept("win"))
        {
            p.hasWin = true;
            p.win = c.Number("window");
            if (p.win > 0xffff)
            {
                c.Fail("window is out of range (0..65535)");
            }
        }
        else if (c.Accept("<"))
        {
            ParseOptions(c, p);
        }
        else if (c.StartsWith("urg") || c.StartsWith("[") || c.StartsWith("("))
        {
            throw SyntaxFailure{c.Line(),
                                static_cast<int>(c.Pos()) + 1,
                                "unsupported:" + c.Found()};
        }
        else
        {
            c.Fail("expected 'ack', 'win' or '<' options, found " + c.Found());
        }
    }
    if (!p.hasOptions)
    {
        // packetdrill: no option list means "no options" for the segment.
        p.anyOptions = false;
    }
}

void
ParseCall(Cursor& c, ScriptEvent& e, const std::string& name, size_t nameAt)
{
    ScriptCall& call = e.call;
    call.name = name;
    call.chimney = ChimneyCalls().count(name) != 0;
    if (!call.chimney && SocketCalls().count(name) == 0)
    {
        throw SyntaxFailure{c.Line(),
                            static_cast<int>(nameAt) + 1,
                            "unsupported:system call '" + name + "'"};
    }
    c.Expect("(", "'(' after '" + name + "'");
    // Arguments: split at top-level commas; brackets and quotes nest.
    if (!c.Accept(")"))
    {
        int depth = 0;
        std::string current;
        const std::string& s = c.Text();
        size_t i = c.Pos();
        bool done = false;
        for (; i < s.size(); ++i)
        {
            const char ch = s[i];
            if (ch == '"')
            {
                current += ch;
                for (++i; i < s.size() && s[i] != '"'; ++i)
                {
                    current += s[i];
                }
                if (i >= s.size())
                {
                    c.SetPos(i);
                    c.Fail("unterminated string");
                }
                current += '"';
                continue;
            }
            if (ch == '(' || ch == '[' || ch == '{')
            {
                ++depth;
            }
            else if (ch == ']' || ch == '}' || (ch == ')' && depth > 0))
            {
                --depth;
                if (depth < 0)
                {
                    c.SetPos(i);
                    c.Fail(std::string("unbalanced '") + ch + "'");
                }
            }
            else if (ch == ')' && depth == 0)
            {
                done = true;
                break;
            }
            if (ch == ',' && depth == 0)
            {
                call.args.push_back(ScriptArg{current});
                current.clear();
                continue;
            }
            current += ch;
        }
        if (!done)
        {
            c.SetPos(s.size());
            c.Fail("expected ')' to close the argument list of '" + name + "'");
        }
        call.args.push_back(ScriptArg{current});
        for (auto& a : call.args)
        {
            const size_t b = a.text.find_first_not_of(" \t");
            const size_t en = a.text.find_last_not_of(" \t");
            a.text = b == std::string::npos ? "" : a.text.substr(b, en - b + 1);
            if (a.text.empty())
            {
                c.SetPos(i);
                c.Fail("empty argument in the call of '" + name + "'");
            }
        }
        c.SetPos(i + 1);
    }
    if (c.Accept("="))
    {
        call.hasResult = true;
        c.SkipSpace();
        const bool negative = c.Accept("-");
        const std::string value = c.Word();
        if (value.empty())
        {
            c.Fail("expected a return value after '=', found " + c.Found());
        }
        call.result = (negative ? "-" : "") + value;
        if (negative || std::isdigit(static_cast<unsigned char>(value[0])))
        {
            for (char ch : value)
            {
                if (!std::isdigit(static_cast<unsigned char>(ch)))
                {
                    c.Fail("return value '" + call.result + "' is not a number");
                }
            }
            if (value.size() > 9)
            {
                c.Fail("return value '" + call.result + "' is out of range");
            }
        }
        if (!c.AtEnd() && std::isupper(static_cast<unsigned char>(c.Peek())))
        {
            call.errnoName = c.Word();
        }
        if (c.Accept("("))
        {
            // packetdrill's strerror text: "(Operation now in progress)".
            const size_t close = c.Text().find(')', c.Pos());
            if (close == std::string::npos)
            {
                c.Fail("expected ')' after the error text");
            }
            c.SetPos(close + 1);
        }
    }
    else if (!call.chimney)
    {
        c.Fail("expected '= RESULT' after the call of '" + name + "', found " + c.Found());
    }
    if (!c.AtEnd())
    {
        c.Fail("unexpected text after the call: " + c.Found());
    }
    // Options the runner cannot honour make the script a skip, never a silent pass.
    if (name == "setsockopt" || name == "getsockopt")
    {
        const std::string level = call.args.size() > 1 ? call.args[1].text : "";
        const std::string opt = call.args.size() > 2 ? call.args[2].text : "";
        static const std::set<std::string> set{"SO_LINGER",
                                               "SO_RCVBUF",
                                               "SO_SNDBUF",
                                               "SO_REUSEADDR"};
        const bool ok = name == "setsockopt" ? set.count(opt) != 0 : opt == "SO_ERROR";
        if (call.args.size() < 3)
        {
            c.Fail(name + " needs (fd, level, option, value, length)");
        }
        if (!ok || level != "SOL_SOCKET")
        {
            throw SyntaxFailure{c.Line(),
                                static_cast<int>(nameAt) + 1,
                                "unsupported:" + name + " " + level + " " + opt};
        }
    }
}

void
ParseExpect(Cursor& c, ScriptEvent& e, bool completion)
{
    ScriptExpect& x = e.expect;
    x.completion = completion;
    const size_t at = c.Pos();
    x.what = c.Word();
    static const std::set<std::string> ops{"offload", "send", "receive", "disconnect", "terminate"};
    static const std::set<std::string> events{"disconnect", "abort", "retrieve"};
    if (completion ? ops.count(x.what) == 0 : events.count(x.what) == 0)
    {
        c.SetPos(at);
        c.Fail(completion
                   ? "expected a completion (offload, send, receive, disconnect, "
                     "terminate), found " +
                         c.Found()
                   : "expected an indication (disconnect, abort, retrieve), found " + c.Found());
    }
    if (completion || x.what == "retrieve")
    {
        if (!c.AtEnd() && std::isupper(static_cast<unsigned char>(c.Peek())))
        {
            x.status = c.Word();
        }
        else if (completion)
        {
            c.Fail("expected the completion status (SUCCESS, REQUEST_ABORTED, ...), found " +
                   c.Found());
        }
    }
    while (!c.AtEnd())
    {
        const size_t keyAt = c.Pos();
        const std::string key = c.Word();
        static const std::set<std::string>
            keys{"bytes", "snd_una", "snd_nxt", "snd_max", "rcv_nxt", "send_chain", "state"};
        if (key.empty() || keys.count(key) == 0)
        {
            c.SetPos(keyAt);
            c.Fail("expected key=value (bytes, snd_una, snd_nxt, snd_max, rcv_nxt, send_chain, "
                   "state), found " +
                   c.Found());
        }
        c.Expect("=", "'=' after '" + key + "'");
        const std::string value = c.Word();
        if (value.empty())
        {
            c.Fail("expected a value for '" + key + "'");
        }
        x.keys[key] = value;
    }
}

void
ParseAssert(Cursor& c, ScriptEvent& e)
{
    // "%{" consumed; the text up to "}%" is one assertion.
    const size_t close = c.Text().find("}%", c.Pos());
    if (close == std::string::npos)
    {
        c.Fail("expected '}%' to close the code block");
    }
    const std::string body = c.Text().substr(c.Pos(), close - c.Pos());
    const size_t bodyAt = c.Pos();
    std::istringstream in(body);
    std::string word;
    std::string variable;
    std::string op;
    std::string value;
    std::string rest;
    in >> word >> variable >> op >> value;
    std::getline(in, rest);
    if (word != "assert" || variable.empty() || op != "==" || value.empty() ||
        rest.find_first_not_of(" \t\n") != std::string::npos)
    {
        throw SyntaxFailure{c.Line(),
                            static_cast<int>(bodyAt) + 1,
                            "unsupported:code other than 'assert VARIABLE == VALUE'"};
    }
    if (variable != "tcpi_state" && variable != "chimney_phase")
    {
        throw SyntaxFailure{c.Line(),
                            static_cast<int>(bodyAt) + 1,
                            "unsupported:tcp_info field '" + variable + "' (only tcpi_state)"};
    }
    e.check.variable = variable;
    e.check.value = value;
    c.SetPos(close + 2);
    if (!c.AtEnd())
    {
        c.Fail("unexpected text after '}%': " + c.Found());
    }
}

void
ParseEvent(Cursor& c, ScriptEvent& e)
{
    e.time = ParseTime(c);
    if (c.StartsWith("<") || c.StartsWith(">"))
    {
        e.kind = ScriptEvent::PACKET;
        ParsePacket(c, e);
        return;
    }
    if (c.Accept("%{"))
    {
        e.kind = ScriptEvent::ASSERT;
        ParseAssert(c, e);
        return;
    }
    if (c.StartsWith("`"))
    {
        throw SyntaxFailure{c.Line(), static_cast<int>(c.Pos()) + 1, "unsupported:shell command"};
    }
    const size_t at = c.Pos();
    const std::string word = c.Word();
    if (word.empty())
    {
        c.Fail("expected a packet ('<' or '>'), a call, 'complete', 'indicate' or '%{', found " +
               c.Found());
    }
    if (word == "complete" || word == "indicate")
    {
        e.kind = ScriptEvent::EXPECT;
        ParseExpect(c, e, word == "complete");
        return;
    }
    e.kind = ScriptEvent::CALL;
    ParseCall(c, e, word, at);
}

} // namespace

std::string
FormatScriptError(const std::string& name, const ScriptSyntaxError& error)
{
    return name + ":" + std::to_string(error.line) + ":" + std::to_string(error.column) +
           ": syntax error: " + error.message;
}

bool
ParseChimneyScript(const std::string& text,
                   const std::string& name,
                   ChimneyScript& script,
                   ScriptSyntaxError& error)
{
    script = ChimneyScript{};
    script.name = name;
    int unterminated = 0;
    const std::string clean = StripComments(text, &unterminated);
    if (unterminated)
    {
        error = ScriptSyntaxError{unterminated, 1, "unterminated '/*' comment"};
        return false;
    }
    std::vector<std::string> lines;
    {
        std::string line;
        std::istringstream in(clean);
        while (std::getline(in, line))
        {
            lines.push_back(line);
        }
    }
    try
    {
        for (size_t i = 0; i < lines.size(); ++i)
        {
            std::string line = lines[i];
            const int number = static_cast<int>(i) + 1;
            // A code block may span lines: join them (columns stay right on the first line).
            if (line.find("%{") != std::string::npos)
            {
                while (line.find("}%") == std::string::npos && i + 1 < lines.size())
                {
                    line += " " + lines[++i];
                }
            }
            for (char& ch : line)
            {
                if (ch == '\r' || ch == '\t')
                {
                    ch = ' ';
                }
            }
            Cursor c(line, number);
            if (c.AtEnd())
            {
                continue;
            }
            if (c.StartsWith("--"))
            {
                if (!script.events.empty())
                {
                    c.Fail("'--option' lines must come before the first event");
                }
                c.Accept("--");
                // Option names may hold '.' and '-' ("stack.OffloadPolicy").
                std::string key;
                while (c.Pos() < line.size() &&
                       (std::isalnum(static_cast<unsigned char>(line[c.Pos()])) ||
                        line[c.Pos()] == '_' || line[c.Pos()] == '.' || line[c.Pos()] == '-'))
                {
                    key += line[c.Pos()];
                    c.SetPos(c.Pos() + 1);
                }
                if (key.empty())
                {
                    c.Fail("expected an option name after '--'");
                }
                std::string value;
                if (c.Accept("="))
                {
                    c.SkipSpace();
                    value = line.substr(c.Pos());
                    const size_t en = value.find_last_not_of(' ');
                    value = value.substr(0, en + 1);
                }
                script.options.emplace_back(key, value);
                continue;
            }
            ScriptEvent e;
            e.line = number;
            const size_t b = line.find_first_not_of(' ');
            const size_t en = line.find_last_not_of(' ');
            e.text = line.substr(b, en - b + 1);
            try
            {
                ParseEvent(c, e);
            }
            catch (const SyntaxFailure& f)
            {
                if (f.message.rfind("unsupported:", 0) != 0)
                {
                    throw;
                }
                // Keep parsing (syntax errors later in the file still count), note the first.
                if (!script.unsupported)
                {
                    script.unsupported = f.message.substr(12);
                    script.unsupportedLine = f.line;
                }
                continue;
            }
            script.events.push_back(e);
        }
    }
    catch (const SyntaxFailure& f)
    {
        error = ScriptSyntaxError{f.line, f.column, f.message};
        script.events.clear();
        return false;
    }
    if (script.events.empty() && !script.unsupported)
    {
        error =
            ScriptSyntaxError{static_cast<int>(lines.size()) + 1, 1, "the script has no events"};
        return false;
    }
    return true;
}

} // namespace ns3
