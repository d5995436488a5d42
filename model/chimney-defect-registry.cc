/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#include "chimney-defect-registry.h"

#include "chimney-defect.h"
#include "defects/seeded-defects.h"

namespace ns3
{

const std::vector<ChimneyDefectInfo>&
ChimneyDefectRegistry::All()
{
    // Also in doc/chimney.rst ("Seeded defects caught by the verifier"). The order is the
    // order of ChimneyNetDevice::Defect; the IDs are the ones the verifier must report
    // (test/chimney-verifier-defect-test.cc).
    // clang-format off
    static const std::vector<ChimneyDefectInfo> rows{
        {"FreeOnFin",                 "R1: ledger entry freed when our FIN is sent",
         "graceful",        {"R1", "R3"}, &MakeFreeOnFinDefect},
        {"FreeOnRst",                 "R1: ledger entry freed when an RST is sent or received",
         "abortive",        {"R1"},       &MakeFreeOnRstDefect},
        {"DataAfterFin",              "W1: one payload byte at the FIN's sequence, after the FIN",
         "graceful",        {"W1", "W9"}, &MakeDataAfterFinDefect},
        {"DropDisconnectData",        "W2/E1: the graceful disconnect's data is never sent",
         "graceful",        {"W2", "E1"}, &MakeDropDisconnectDataDefect},
        {"CompleteGracefulOnFinSent", "A3: graceful SUCCESS when the FIN is sent, not acked",
         "graceful",        {"A3"},       &MakeCompleteGracefulOnFinSentDefect},
        {"DoubleCompletion",          "A2: the connection's first send completion is given twice",
         "graceful",        {"A2"},       &MakeDoubleCompletionDefect},
        {"CompletionInsideCall",      "A1: the first send NBL completes inside TcpOffloadSend",
         "graceful",        {"A1"},       &MakeCompletionInsideCallDefect},
        {"RstOnGraceful",             "W4: RST instead of FIN on a graceful disconnect",
         "graceful",        {"W4", "A3"}, &MakeRstOnGracefulDefect},
        {"AckAfterAbort",             "W6/W5: received data acknowledged after the abortive RST",
         "abort-receiving", {"W6"},       &MakeAckAfterAbortDefect},
        {"TransmitAfterTerminate",    "W8: a pure ACK 1 ms after the terminate completed",
         "terminate",       {"W8"},       &MakeTransmitAfterTerminateDefect},
        {"LeakOnTerminate",           "R2/R4: the ledger entry is not freed at terminate",
         "terminate",       {"R2", "R4"}, &MakeLeakOnTerminateDefect},
        {"LoseSendDataOnTerminate",   "A9/E1: the last send NBL and its bytes are not returned",
         "terminate",       {"A9", "E1"}, &MakeLoseSendDataOnTerminateDefect},
        {"WrongSndUnaOnTerminate",    "A9: returned SndUna is one too high",
         "terminate",       {"A9"},       &MakeWrongSndUnaOnTerminateDefect},
        {"DisconnectBeforeSends",     "A4: acked sends held back until the disconnect completed",
         "graceful",        {"A4"},       &MakeDisconnectBeforeSendsDefect},
        {"DropRemoteDataAfterFin",    "W7: remote data after our FIN neither acked nor delivered",
         "half-close",      {"W7"},       &MakeDropRemoteDataAfterFinDefect},
        {"IndicateFinBeforeData",     "A7: Disconnect indicated before earlier data is delivered",
         "slow-receiver",   {"A7"},       &MakeIndicateFinBeforeDataDefect},
        {"OffloadBeyondCapacity",     "R5: offloads accepted beyond MaxOffloadedConnections",
         "capacity",        {"R5"},       &MakeOffloadBeyondCapacityDefect},
        {"RstBelowSndNxt",            "W10: the abortive RST carries SND.UNA, not SND.NXT",
         "abortive",        {"W10"},      &MakeRstBelowSndNxtDefect},
        {"AckAcrossHole",             "W9: data beyond a hole, then one ACK across the hole",
         "several-sends",   {"W9"},       &MakeAckAcrossHoleDefect},
        {"SendChainOutOfOrder",       "A9: the terminate's send chain, first two NBLs swapped",
         "several-sends",   {"A9"},       &MakeSendChainOutOfOrderDefect},
        {"CopyNblThroughLayer",       "A11: layers pass a copy of each completed NBL up",
         "intermediate",    {"A11"},      &MakeCopyNblThroughLayerDefect},
        {"CompletionToWrongUpper",    "A11: a layer routes completions by request id",
         "two-uppers",      {"A11"},      &MakeCompletionToWrongUpperDefect},
    };
    // clang-format on
    return rows;
}

const ChimneyDefectInfo*
ChimneyDefectRegistry::Find(const std::string& name)
{
    for (const ChimneyDefectInfo& info : All())
    {
        if (name == info.name)
        {
            return &info;
        }
    }
    return nullptr;
}

} // namespace ns3
