/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "ns3/chimney-finding.h"
#include "ns3/chimney-invariant-coverage.h"
#include "ns3/chimney-types.h"
#include "ns3/net-buffer-list.h"
#include "ns3/offload-state.h"

#include <algorithm>
#include <gtest/gtest.h>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

using namespace ns3;

TEST(ChimneyTypes, MandatoryUploadReasonsAreExactlyThoseTheSpecNames)
{
    EXPECT_TRUE(IsMandatoryUploadReason(ChimneyUploadReason::HARDWARE_FAILURE));
    EXPECT_TRUE(IsMandatoryUploadReason(ChimneyUploadReason::INVALID_STATE));
    EXPECT_TRUE(IsMandatoryUploadReason(ChimneyUploadReason::RECEIVED_URGENT_DATA));
    EXPECT_TRUE(IsMandatoryUploadReason(ChimneyUploadReason::TIMEOUT_EXPIRATION));
    EXPECT_TRUE(IsMandatoryUploadReason(ChimneyUploadReason::UPLOAD_REQUESTED));
    EXPECT_FALSE(IsMandatoryUploadReason(ChimneyUploadReason::HIGH_DROP_RATE));
    EXPECT_FALSE(IsMandatoryUploadReason(ChimneyUploadReason::LOW_ACTIVITY));
    EXPECT_FALSE(IsMandatoryUploadReason(ChimneyUploadReason::SMALL_IO));
    EXPECT_FALSE(IsMandatoryUploadReason(ChimneyUploadReason::NONE));
}

TEST(ChimneyTypes, EventsAndReasonsPrintWithSpecNames)
{
    std::ostringstream os;
    os << ChimneyEvent::RETRIEVE << '(' << ChimneyUploadReason::TIMEOUT_EXPIRATION << ") "
       << ChimneyEvent::DISCONNECT << ' ' << ChimneyEvent::ABORT;
    EXPECT_EQ(os.str(), "Retrieve(TimeoutExpiration) Disconnect Abort");
}

TEST(ChimneyTypes, OperationsKeepTheNamesTheTracesUsedToCarry)
{
    // The traces carried these strings before ChimneyOp (issue 14): timelines, findings and
    // reports print ToString, so the names must not change.
    const std::vector<std::pair<ChimneyOp, std::string>> names{
        {ChimneyOp::INITIATE_OFFLOAD, "InitiateOffload"},
        {ChimneyOp::TERMINATE_OFFLOAD, "TerminateOffload"},
        {ChimneyOp::TERMINATE, "Terminate"},
        {ChimneyOp::OFFLOAD_BLOCK, "OffloadBlock"},
        {ChimneyOp::TERMINATE_BLOCK, "TerminateBlock"},
        {ChimneyOp::SEND, "Send"},
        {ChimneyOp::SEND_RETURNED, "SendReturned"},
        {ChimneyOp::RECEIVE, "Receive"},
        {ChimneyOp::DISCONNECT, "Disconnect"},
    };
    ASSERT_EQ(names.size(), CHIMNEY_OP_COUNT) << "every ChimneyOp is listed";
    std::set<std::string> seen;
    for (uint8_t i = 0; i < CHIMNEY_OP_COUNT; ++i)
    {
        const auto op = static_cast<ChimneyOp>(i);
        EXPECT_EQ(names[i].first, op) << "listed in declaration order";
        EXPECT_EQ(ToString(op), names[i].second);
        std::ostringstream os;
        os << op;
        EXPECT_EQ(os.str(), names[i].second);
        EXPECT_TRUE(seen.insert(ToString(op)).second) << "duplicate name " << ToString(op);
    }
}

TEST(NetBufferList, SendNblHasOneNetBufferWithTheData)
{
    auto nbl = NetBufferList::CreateSend({1, 2, 3}, 7);
    EXPECT_EQ(nbl->id, 7U);
    ASSERT_EQ(nbl->buffers.size(), 1U);
    EXPECT_EQ(nbl->DataLength(), 3U);
    EXPECT_EQ(nbl->status, ChimneyStatus::PENDING);
    EXPECT_EQ(nbl->bytesTransferred, 0U);
    EXPECT_EQ(nbl->ChainLength(), 1U);
}

TEST(NetBufferList, ZeroLengthReceiveIsStillOneNetBuffer)
{
    auto nbl = NetBufferList::CreateReceive(0);
    EXPECT_EQ(nbl->buffers.size(), 1U);
    EXPECT_EQ(nbl->DataLength(), 0U);
}

TEST(NetBufferList, LargeBuffersGiveTheirPagesBackWhenFreed)
{
    if (!NetBufferPages::kEnabled)
    {
        GTEST_SKIP() << "under AddressSanitizer every buffer comes from the heap";
    }
    // A receive buffer of 16 KiB: on pages of its own, page-aligned.
    const uint8_t* first = nullptr;
    {
        auto nbl = NetBufferList::CreateReceive(16384);
        NetBufferBytes& room = nbl->buffers[0].data;
        ASSERT_EQ(room.size(), 16384U);
        EXPECT_EQ(reinterpret_cast<uintptr_t>(room.data()) % 4096, 0U);
        std::fill(room.begin(), room.end(), uint8_t{0xa5});
        first = room.data();
    }
    // The next one of that size reuses the address, and its pages went back to the kernel in
    // between: they read as fresh zero pages, not as the 0xa5 written before.
    auto again = NetBufferList::CreateReceive(16384);
    const NetBufferBytes& room = again->buffers[0].data;
    ASSERT_EQ(room.data(), first);
    EXPECT_TRUE(std::all_of(room.begin(), room.end(), [](uint8_t b) { return b == 0; }));
    // Copies and moves of large buffers keep the bytes.
    NetBufferBytes data(20000);
    for (size_t i = 0; i < data.size(); ++i)
    {
        data[i] = static_cast<uint8_t>(i * 7);
    }
    NetBufferBytes copy = data;
    EXPECT_EQ(copy, data);
    NetBufferBytes moved = std::move(copy);
    EXPECT_EQ(moved, data);
    moved.resize(100);     // shrinks in place
    moved.shrink_to_fit(); // small now: back on the heap
    EXPECT_TRUE(std::equal(moved.begin(), moved.end(), data.begin()));
}

TEST(NetBufferList, ChainLengthCountsLinkedNbls)
{
    auto a = NetBufferList::CreateSend({1});
    a->next = NetBufferList::CreateSend({2});
    a->next->next = NetBufferList::CreateSend({3});
    EXPECT_EQ(a->ChainLength(), 3U);
    EXPECT_EQ(a->next->ChainLength(), 2U);
}

TEST(NetBufferList, ContextsPopInReverseOrderOfPush)
{
    auto nbl = NetBufferList::CreateSend({});
    nbl->PushContext(10);
    nbl->PushContext(20);
    EXPECT_EQ(nbl->ContextDepth(), 2U);
    EXPECT_EQ(nbl->PopContext(), 20U);
    EXPECT_EQ(nbl->PopContext(), 10U);
    EXPECT_EQ(nbl->ContextDepth(), 0U);
}

TEST(OffloadBlockList, OneConnectionListHoldsExactlyThatTree)
{
    NeighborOffloadBlock neighbor;
    neighbor.neighbor = Ipv4Address("10.0.0.2");
    PathOffloadBlock path;
    path.source = Ipv4Address("10.0.0.1");
    path.destination = Ipv4Address("10.0.0.2");
    TcpOffloadBlock tcp;
    tcp.handle = 5;
    tcp.localPort = 1000;
    tcp.remotePort = 80;
    auto list = OffloadBlockList::ForOneConnection(neighbor, path, tcp);
    EXPECT_EQ(list->TcpBlockCount(), 1U);
    int visited = 0;
    list->ForEachTcp([&](NeighborOffloadBlock& n, PathOffloadBlock& p, TcpOffloadBlock& t) {
        ++visited;
        EXPECT_EQ(n.neighbor, Ipv4Address("10.0.0.2"));
        EXPECT_EQ(p.source, Ipv4Address("10.0.0.1"));
        EXPECT_EQ(t.handle, 5U);
        EXPECT_EQ(t.sendDataHead, nullptr);
    });
    EXPECT_EQ(visited, 1);
}

TEST(ChimneyInvariantIds, EnumIndexesTheCatalogInOrder)
{
    const auto& catalog = ChimneyInvariantCatalog();
    ASSERT_EQ(catalog.size(), CHIMNEY_INVARIANT_COUNT);
    for (size_t i = 0; i < catalog.size(); ++i)
    {
        const auto id = static_cast<ChimneyInvariantId>(i);
        EXPECT_STREQ(ToString(id), catalog[i].id);
        ChimneyInvariantId back = ChimneyInvariantId::COUNT;
        ASSERT_TRUE(ChimneyInvariantIdFromString(catalog[i].id, &back));
        EXPECT_EQ(back, id);
    }
    ChimneyInvariantId unused;
    EXPECT_FALSE(ChimneyInvariantIdFromString("W11", &unused));
    // Each family's first and last: the verifier indexes the catalog by the enum.
    const std::pair<ChimneyInvariantId, const char*> ends[] = {
        {ChimneyInvariantId::W1, "W1"},
        {ChimneyInvariantId::W10, "W10"},
        {ChimneyInvariantId::A1, "A1"},
        {ChimneyInvariantId::A11, "A11"},
        {ChimneyInvariantId::R1, "R1"},
        {ChimneyInvariantId::R5, "R5"},
        {ChimneyInvariantId::E1, "E1"},
        {ChimneyInvariantId::E3, "E3"},
        {ChimneyInvariantId::H1, "H1"},
        {ChimneyInvariantId::H7, "H7"},
    };
    for (const auto& [id, text] : ends)
    {
        EXPECT_STREQ(ToString(id), text);
    }
}

TEST(ChimneyInvariantIds, CoverageCountsSumsAndListsTheUnexercised)
{
    ChimneyInvariantCoverage a;
    a.Note(ChimneyInvariantId::A4);
    a.Note(ChimneyInvariantId::A4, 2);
    ChimneyInvariantCoverage b;
    b.Note(ChimneyInvariantId::W10);
    a += b;
    EXPECT_EQ(a.Get(ChimneyInvariantId::A4), 3u);
    EXPECT_EQ(a.Get("W10"), 1u);
    EXPECT_EQ(a.Get("nope"), 0u);
    const auto never = a.Unexercised();
    EXPECT_EQ(never.size(), CHIMNEY_INVARIANT_COUNT - 2);
    EXPECT_EQ(std::count(never.begin(), never.end(), "A4"), 0);
    EXPECT_EQ(never.front(), "W1");
    const auto ordered = a.GetOrdered();
    ASSERT_EQ(ordered.size(), CHIMNEY_INVARIANT_COUNT);
    EXPECT_EQ(ordered[9].first, "W10");
    EXPECT_EQ(ordered[9].second, 1u);
    EXPECT_EQ(ChimneyInvariantCoverage::FromCounts(a.GetCounts()).GetOrdered(), ordered);
}
