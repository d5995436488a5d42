/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_SEEDED_DEFECTS_H
#define CHIMNEY_SEEDED_DEFECTS_H

// The factories of the seeded defects, one file each in this folder; ChimneyDefectRegistry
// (model/chimney-defect-registry.cc) lists them with their scenario and invariant IDs.

#include <memory>

namespace ns3
{

class ChimneyDefect;

/// \returns a new FreeOnFin defect (free-on-fin.cc)
std::unique_ptr<ChimneyDefect> MakeFreeOnFinDefect();
/// \returns a new FreeOnRst defect (free-on-rst.cc)
std::unique_ptr<ChimneyDefect> MakeFreeOnRstDefect();
/// \returns a new DataAfterFin defect (data-after-fin.cc)
std::unique_ptr<ChimneyDefect> MakeDataAfterFinDefect();
/// \returns a new DropDisconnectData defect (drop-disconnect-data.cc)
std::unique_ptr<ChimneyDefect> MakeDropDisconnectDataDefect();
/// \returns a new CompleteGracefulOnFinSent defect (complete-graceful-on-fin-sent.cc)
std::unique_ptr<ChimneyDefect> MakeCompleteGracefulOnFinSentDefect();
/// \returns a new DoubleCompletion defect (double-completion.cc)
std::unique_ptr<ChimneyDefect> MakeDoubleCompletionDefect();
/// \returns a new CompletionInsideCall defect (completion-inside-call.cc)
std::unique_ptr<ChimneyDefect> MakeCompletionInsideCallDefect();
/// \returns a new RstOnGraceful defect (rst-on-graceful.cc)
std::unique_ptr<ChimneyDefect> MakeRstOnGracefulDefect();
/// \returns a new AckAfterAbort defect (ack-after-abort.cc)
std::unique_ptr<ChimneyDefect> MakeAckAfterAbortDefect();
/// \returns a new TransmitAfterTerminate defect (transmit-after-terminate.cc)
std::unique_ptr<ChimneyDefect> MakeTransmitAfterTerminateDefect();
/// \returns a new LeakOnTerminate defect (leak-on-terminate.cc)
std::unique_ptr<ChimneyDefect> MakeLeakOnTerminateDefect();
/// \returns a new LoseSendDataOnTerminate defect (lose-send-data-on-terminate.cc)
std::unique_ptr<ChimneyDefect> MakeLoseSendDataOnTerminateDefect();
/// \returns a new WrongSndUnaOnTerminate defect (wrong-snd-una-on-terminate.cc)
std::unique_ptr<ChimneyDefect> MakeWrongSndUnaOnTerminateDefect();
/// \returns a new DisconnectBeforeSends defect (disconnect-before-sends.cc)
std::unique_ptr<ChimneyDefect> MakeDisconnectBeforeSendsDefect();
/// \returns a new DropRemoteDataAfterFin defect (drop-remote-data-after-fin.cc)
std::unique_ptr<ChimneyDefect> MakeDropRemoteDataAfterFinDefect();
/// \returns a new IndicateFinBeforeData defect (indicate-fin-before-data.cc)
std::unique_ptr<ChimneyDefect> MakeIndicateFinBeforeDataDefect();
/// \returns a new OffloadBeyondCapacity defect (offload-beyond-capacity.cc)
std::unique_ptr<ChimneyDefect> MakeOffloadBeyondCapacityDefect();
/// \returns a new RstBelowSndNxt defect (rst-below-snd-nxt.cc)
std::unique_ptr<ChimneyDefect> MakeRstBelowSndNxtDefect();
/// \returns a new AckAcrossHole defect (ack-across-hole.cc)
std::unique_ptr<ChimneyDefect> MakeAckAcrossHoleDefect();
/// \returns a new SendChainOutOfOrder defect (send-chain-out-of-order.cc)
std::unique_ptr<ChimneyDefect> MakeSendChainOutOfOrderDefect();
/// \returns a new CopyNblThroughLayer defect (copy-nbl-through-layer.cc)
std::unique_ptr<ChimneyDefect> MakeCopyNblThroughLayerDefect();
/// \returns a new CompletionToWrongUpper defect (completion-to-wrong-upper.cc)
std::unique_ptr<ChimneyDefect> MakeCompletionToWrongUpperDefect();

} // namespace ns3

#endif // CHIMNEY_SEEDED_DEFECTS_H
