/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/chimney-script.h"

#include <gtest/gtest.h>

using namespace ns3;

namespace
{

ChimneyScript
MustParse(const std::string& text)
{
    ChimneyScript script;
    ScriptSyntaxError error;
    EXPECT_TRUE(ParseChimneyScript(text, "t.pkt", script, error))
        << FormatScriptError("t.pkt", error);
    return script;
}

ScriptSyntaxError
MustFail(const std::string& text)
{
    ChimneyScript script;
    ScriptSyntaxError error;
    EXPECT_FALSE(ParseChimneyScript(text, "t.pkt", script, error));
    EXPECT_TRUE(script.events.empty());
    return error;
}

} // namespace

TEST(ChimneyScriptParser, TimesAbsoluteRelativeRangeAndAny)
{
    const auto s = MustParse("0.5 close(3) = 0\n+.25 close(3) = 0\n+0~+0.2 close(3) = 0\n"
                             "1~2 close(3) = 0\n* close(3) = 0\n+0...0.1 close(3) = 0\n");
    ASSERT_EQ(s.events.size(), 6u);
    EXPECT_EQ(s.events[0].time.kind, ScriptTime::ABSOLUTE);
    EXPECT_EQ(s.events[0].time.startUs, 500000);
    EXPECT_EQ(s.events[1].time.kind, ScriptTime::RELATIVE);
    EXPECT_EQ(s.events[1].time.startUs, 250000);
    EXPECT_EQ(s.events[2].time.kind, ScriptTime::RANGE);
    EXPECT_TRUE(s.events[2].time.relative);
    EXPECT_EQ(s.events[2].time.endUs, 200000);
    EXPECT_EQ(s.events[3].time.kind, ScriptTime::RANGE);
    EXPECT_FALSE(s.events[3].time.relative);
    EXPECT_EQ(s.events[3].time.endUs, 2000000);
    EXPECT_EQ(s.events[4].time.kind, ScriptTime::ANY);
    EXPECT_EQ(s.events[5].time.kind, ScriptTime::RANGE);
}

TEST(ChimneyScriptParser, PacketLineWithFlagsSequenceAckWindowAndOptions)
{
    const auto s = MustParse(
        "+0 < S. 0:0(0) ack 1 win 32792 <mss 1000,sackOK,nop,nop,TS val 5 ecr 6,wscale 7>\n"
        "+0 > P. 1:1001(1000) ack 1 <...>\n+0 > F. 1001:1001(0) ack 1\n");
    ASSERT_EQ(s.events.size(), 3u);
    const ScriptPacket& syn = s.events[0].packet;
    EXPECT_TRUE(syn.inbound);
    EXPECT_EQ(syn.flags, 0x12);
    EXPECT_TRUE(syn.hasAck);
    EXPECT_EQ(syn.ack, 1u);
    EXPECT_EQ(syn.win, 32792u);
    EXPECT_FALSE(syn.anyOptions);
    ASSERT_EQ(syn.options.size(), 6u);
    EXPECT_EQ(syn.options[4].kind, "TS");
    EXPECT_EQ(syn.options[4].value2, 6u);
    const ScriptPacket& data = s.events[1].packet;
    EXPECT_FALSE(data.inbound);
    EXPECT_EQ(data.len, 1000u);
    EXPECT_TRUE(data.anyOptions);
    EXPECT_FALSE(s.events[2].packet.anyOptions); // no list: no options
}

TEST(ChimneyScriptParser, CallsChimneyLinesExpectationsAndAssertions)
{
    const auto s = MustParse("--tolerance_usecs=10000\n--stack.OffloadPolicy=Never\n"
                             "0 connect(3, ..., ...) = -1 EINPROGRESS (Operation now in progress)\n"
                             "+0 setsockopt(4, SOL_SOCKET, SO_LINGER, {onoff=1, linger=0}, 8) = 0\n"
                             "+0 disconnect(4, graceful, data=100) = PENDING\n"
                             "+0 complete terminate SUCCESS snd_una=1 snd_max=2 state=FIN_WAIT_1\n"
                             "+0 indicate retrieve UPLOAD_REQUESTED\n"
                             "+0 %{\n  assert tcpi_state == TCP_FIN_WAIT1\n}%\n");
    ASSERT_EQ(s.options.size(), 2u);
    EXPECT_EQ(s.options[1].first, "stack.OffloadPolicy");
    EXPECT_EQ(s.options[1].second, "Never");
    ASSERT_EQ(s.events.size(), 6u);
    EXPECT_EQ(s.events[0].call.result, "-1");
    EXPECT_EQ(s.events[0].call.errnoName, "EINPROGRESS");
    EXPECT_EQ(s.events[1].call.args[3].text, "{onoff=1, linger=0}");
    EXPECT_TRUE(s.events[2].call.chimney);
    EXPECT_EQ(s.events[2].call.result, "PENDING");
    EXPECT_EQ(s.events[3].expect.keys.at("snd_max"), "2");
    EXPECT_FALSE(s.events[4].expect.completion);
    EXPECT_EQ(s.events[4].expect.status, "UPLOAD_REQUESTED");
    EXPECT_EQ(s.events[5].check.value, "TCP_FIN_WAIT1");
    EXPECT_EQ(s.events[5].line, 8);
}

TEST(ChimneyScriptParser, SyntaxErrorsNameLineAndColumn)
{
    auto e = MustFail("0 close(3) = 0\n+0 > Q 1:1(0)\n");
    EXPECT_EQ(e.line, 2);
    EXPECT_EQ(e.column, 6);
    e = MustFail("0 < S 0:5(0) win 1\n");
    EXPECT_EQ(e.line, 1);
    EXPECT_NE(e.message.find("does not match the payload length"), std::string::npos);
    e = MustFail("0 close(3) = 0\n\n+0 complete frobnicate SUCCESS\n");
    EXPECT_EQ(e.line, 3);
    EXPECT_EQ(e.column, 13);
    e = MustFail("0 < . 1:1(0) win 70000\n");
    EXPECT_NE(e.message.find("window is out of range"), std::string::npos);
    e = MustFail("0 close(3)\n");
    EXPECT_NE(e.message.find("expected '= RESULT'"), std::string::npos);
    e = MustFail("0 close(3) = 0\n/* never closed\n");
    EXPECT_EQ(e.line, 2);
    e = MustFail("0.1234567 close(3) = 0\n");
    EXPECT_NE(e.message.find("6 decimals"), std::string::npos);
    e = MustFail("0 < S 0:0(0) <mss 99999>\n");
    EXPECT_NE(e.message.find("mss value"), std::string::npos);
    e = MustFail("0 close(3) = 0\n--tolerance_usecs=1\n");
    EXPECT_NE(e.message.find("before the first event"), std::string::npos);
    EXPECT_EQ(FormatScriptError("x.pkt", ScriptSyntaxError{4, 2, "m"}),
              "x.pkt:4:2: syntax error: m");
}

TEST(ChimneyScriptParser, UnsupportedConstructsMakeTheScriptASkip)
{
    for (const std::string& line :
         {std::string("+0 setsockopt(3, IPPROTO_TCP, TCP_NODELAY, [1], 4) = 0"),
          std::string("+0 %{ assert tcpi_rto == 1000 }%"),
          std::string("+0 %{ print(tcpi_state) }%"),
          std::string("+0 poll([{fd=3, events=POLLIN}], 1, 0) = 0"),
          std::string("+0 `ifconfig tun0 mtu 1500`"),
          std::string("+0 < . 1:1(0) ack 1 <sack 1:2>")})
    {
        ChimneyScript script;
        ScriptSyntaxError error;
        ASSERT_TRUE(ParseChimneyScript("0 close(3) = 0\n" + line + "\n", "t", script, error))
            << line << ": " << error.message;
        ASSERT_TRUE(script.unsupported.has_value()) << line;
        EXPECT_EQ(script.unsupportedLine, 2);
    }
}
