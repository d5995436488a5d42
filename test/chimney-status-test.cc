/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/chimney-status.h"

#include <gtest/gtest.h>
#include <set>
#include <sstream>

using namespace ns3;

TEST(ChimneyStatus, EveryStatusRoundTripsThroughItsName)
{
    std::set<std::string> seen;
    for (int i = 0; i <= static_cast<int>(ChimneyStatus::OFFLOAD_TCP_ENTRIES); ++i)
    {
        auto status = static_cast<ChimneyStatus>(i);
        std::string name = ToString(status);
        EXPECT_NE(name, "UNKNOWN_STATUS");
        EXPECT_TRUE(seen.insert(name).second) << "duplicate name " << name;
        ChimneyStatus parsed = ChimneyStatus::FAILURE;
        ASSERT_TRUE(ParseChimneyStatus(name, parsed)) << name;
        EXPECT_EQ(parsed, status);
    }
}

TEST(ChimneyStatus, NamesAreSpelledAsInTheSpec)
{
    std::ostringstream os;
    os << ChimneyStatus::REQUEST_ABORTED << ' ' << ChimneyStatus::UPLOAD_IN_PROGRESS;
    EXPECT_EQ(os.str(), "REQUEST_ABORTED UPLOAD_IN_PROGRESS");
}

TEST(ChimneyStatus, UnknownNameIsRejectedAndOutputUntouched)
{
    ChimneyStatus status = ChimneyStatus::PENDING;
    EXPECT_FALSE(ParseChimneyStatus("STATUS_SUCCESS", status));
    EXPECT_FALSE(ParseChimneyStatus("", status));
    EXPECT_EQ(status, ChimneyStatus::PENDING);
}
