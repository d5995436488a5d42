/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_PATTERN_H
#define CHIMNEY_PATTERN_H

#include <cstddef>
#include <cstdint>
#include <vector>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief Byte `offset` of the pattern stream `salt`. Every byte depends on its offset, so
 *        loss, duplication and reordering all show. The one definition of the pattern: the
 *        stream endpoints, the scenario workload and the tests' peers all send and check it.
 * \param offset position in the stream
 * \param salt varies the pattern between streams
 * \returns the byte
 */
uint8_t ChimneyPatternByte(uint64_t offset, uint8_t salt);

/**
 * \ingroup chimney
 * \brief The first `n` bytes of the pattern stream `salt` (ChimneyPatternByte()).
 * \param n bytes
 * \param salt varies the pattern between streams
 * \returns the bytes
 */
std::vector<uint8_t> ChimneyPattern(size_t n, uint8_t salt);

/**
 * \ingroup chimney
 * \brief Write pattern bytes [offset, offset + n) of the stream `salt` to `out`: the same
 *        bytes as ChimneyPatternByte() one by one, a 256-byte run at a time (the workloads
 *        send and check every byte of every stream through this).
 * \param offset position in the stream of the first byte
 * \param salt varies the pattern between streams
 * \param out where the bytes go (n of them)
 * \param n bytes
 */
void ChimneyPatternFill(uint64_t offset, uint8_t salt, uint8_t* out, size_t n);

/**
 * \ingroup chimney
 * \brief Checks a received stream against its pattern as it arrives (nothing stored): how
 *        many bytes, and the first byte that differs. E1/E2 are decided from these and how the
 *        stream ended.
 */
class ChimneyPatternCheck
{
  public:
    /// \param salt the stream's salt
    explicit ChimneyPatternCheck(uint8_t salt = 0);
    /**
     * \brief Account received bytes.
     * \param data the bytes
     * \param size how many
     */
    void Add(const uint8_t* data, uint32_t size);
    /// \returns bytes received so far
    uint64_t Received() const;
    /// \returns true while every byte matched its pattern byte
    bool Intact() const;
    /// \returns the offset of the first wrong byte (-1: none)
    int64_t FirstMismatch() const;

  private:
    uint8_t m_salt;
    uint64_t m_received{0};
    int64_t m_firstMismatch{-1};
};

} // namespace ns3

#endif // CHIMNEY_PATTERN_H
