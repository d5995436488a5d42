/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SCRIPT_H
#define CHIMNEY_SCRIPT_H

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

/**
 * \file
 * \ingroup chimney
 * The parsed form of a chimney script (doc/chimney-script.rst): packetdrill's dialect plus
 * chimney lines. Plain C++ (no ns-3 headers), so the parser can be fuzzed on its own.
 */

namespace ns3
{

/// When a script event happens (packetdrill's event_time_t).
struct ScriptTime
{
    /// The four forms of a time.
    enum Kind : uint8_t
    {
        ABSOLUTE, //!< "0.100": since the script started
        RELATIVE, //!< "+0.100": since the previous event
        ANY,      //!< "*": whenever (outbound events only make sense)
        RANGE,    //!< "0.1~0.2" or "+0~+0.2": a window
    };

    Kind kind{ABSOLUTE};  //!< the form
    int64_t startUs{0};   //!< start (or the time), microseconds
    int64_t endUs{0};     //!< end of a RANGE, microseconds
    bool relative{false}; //!< a RANGE given with '+' (relative to the previous event)
};

/// A TCP option as written in "<mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7>".
struct ScriptTcpOption
{
    std::string kind;   //!< "mss", "wscale", "sackOK", "TS", "nop", "eol"
    uint32_t value{0};  //!< mss / wscale value, TS val
    uint32_t value2{0}; //!< TS ecr
};

/// A packet line: "< S 0:0(0) win 32792 <mss 1000>" or "> . 1:1(0) ack 1".
struct ScriptPacket
{
    bool inbound{true};     //!< '<' (the script sends it) or '>' (the host must send it)
    uint8_t flags{0};       //!< TcpSegment flag bits (S F R P . E W U)
    uint32_t seq{0};        //!< start sequence number (relative except on SYN)
    uint32_t end{0};        //!< end sequence number
    uint32_t len{0};        //!< payload length
    bool hasAck{false};     //!< "ack N" given
    uint32_t ack{0};        //!< acknowledgment number (relative)
    bool hasWin{false};     //!< "win N" given
    uint32_t win{0};        //!< raw window field
    bool anyOptions{true};  //!< "<...>" (or, outbound, no option list given... see parser)
    bool hasOptions{false}; //!< an option list was given
    std::vector<ScriptTcpOption> options; //!< the options
};

/// An argument of a socket or chimney call: "...", a number, a name, "[1]", "{...}".
struct ScriptArg
{
    std::string text; //!< the argument as written (trimmed)
};

/// A call line: "write(4, ..., 1000) = 1000" or "disconnect(4, graceful, data=100) = PENDING".
struct ScriptCall
{
    std::string name;            //!< "socket", "write", "offload", ...
    std::vector<ScriptArg> args; //!< the arguments
    bool hasResult{false};       //!< "= ..." given
    std::string result;          //!< "3", "-1", "PENDING", "SUCCESS"
    std::string errnoName;       //!< "EINPROGRESS" after "-1"
    bool chimney{false};         //!< a chimney call (status result), not a socket call
};

/// An expected completion or indication: "complete disconnect SUCCESS bytes=100",
/// "indicate abort".
struct ScriptExpect
{
    bool completion{true};                   //!< completion, else indication
    std::string what;                        //!< completion op / indication event
    std::string status;                      //!< completion status / Retrieve reason
    std::map<std::string, std::string> keys; //!< bytes=, snd_una=, snd_nxt=, snd_max=, ...
};

/// "%{ assert tcpi_state == TCP_ESTABLISHED }%" (also chimney_phase == OFFLOADED).
struct ScriptAssert
{
    std::string variable; //!< "tcpi_state" or "chimney_phase"
    std::string value;    //!< "TCP_ESTABLISHED", "OFFLOADED", ...
};

/// One line (event) of a script.
struct ScriptEvent
{
    /// What the line is.
    enum Kind : uint8_t
    {
        PACKET, //!< a packet line
        CALL,   //!< a socket call or a chimney call
        EXPECT, //!< an expected completion or indication
        ASSERT, //!< a state assertion
    };

    Kind kind{PACKET};   //!< what it is
    int line{0};         //!< 1-based line
    ScriptTime time;     //!< when
    ScriptPacket packet; //!< PACKET
    ScriptCall call;     //!< CALL
    ScriptExpect expect; //!< EXPECT
    ScriptAssert check;  //!< ASSERT
    std::string text;    //!< the line as written (for messages)
};

/// A whole parsed script.
struct ChimneyScript
{
    std::string name;                                         //!< file name, for messages
    std::vector<std::pair<std::string, std::string>> options; //!< "--name=value" lines, in order
    std::vector<ScriptEvent> events;                          //!< the events, in order
    /// Set when a line uses something the runner cannot honour: the script is skipped.
    std::optional<std::string> unsupported;
    int unsupportedLine{0}; //!< the line of the first unsupported construct
};

/// Why a script could not be parsed.
struct ScriptSyntaxError
{
    int line{0};         //!< 1-based
    int column{0};       //!< 1-based
    std::string message; //!< what is wrong
};

/**
 * \ingroup chimney
 * \brief Parse a chimney script.
 * \param text the script
 * \param name its name (file name), kept in the result
 * \param script receives the events
 * \param error receives line, column and message on a syntax error
 * \returns false on a syntax error (nothing in script is usable then)
 */
bool ParseChimneyScript(const std::string& text,
                        const std::string& name,
                        ChimneyScript& script,
                        ScriptSyntaxError& error);

/**
 * \brief Format a syntax error as "name:line:column: message".
 * \param name script name
 * \param error the error
 * \returns the message
 */
std::string FormatScriptError(const std::string& name, const ScriptSyntaxError& error);

} // namespace ns3

#endif // CHIMNEY_SCRIPT_H
