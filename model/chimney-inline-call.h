/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_INLINE_CALL_H
#define CHIMNEY_INLINE_CALL_H

#include <cstddef>
#include <new>
#include <type_traits>
#include <utility>

namespace ns3
{

/**
 * \ingroup chimney
 * \brief A `void()` callable kept in place: what ChimneyEventBatch queues.
 *
 * std::function keeps a callable in place only up to 16 bytes and only when its move cannot
 * throw; a lambda that captures an ns-3 Ptr (whose copy is not noexcept) or a few values goes
 * to the heap, one allocation and one free per completion, indication or request. This keeps
 * callables of up to kInline bytes in place and boxes larger ones. Move-only.
 */
class ChimneyInlineCall
{
  public:
    static constexpr size_t kInline = 56; //!< bytes kept in place (the object is 64 bytes)

    /// \brief A callable to call once or more.
    /// \param f the callable (moved or copied in)
    template <typename F,
              typename = std::enable_if_t<!std::is_same_v<std::decay_t<F>, ChimneyInlineCall>>>
    ChimneyInlineCall(F&& f) // NOLINT(google-explicit-constructor): a lambda converts
    {
        using Fn = std::decay_t<F>;
        if constexpr (Fits<Fn>())
        {
            new (m_storage) Fn(std::forward<F>(f));
            m_ops = &kInPlace<Fn>;
        }
        else
        {
            new (m_storage) Fn*(new Fn(std::forward<F>(f)));
            m_ops = &kBoxed<Fn>;
        }
    }

    /// \brief Take another's callable. \param other left empty
    ChimneyInlineCall(ChimneyInlineCall&& other) noexcept
        : m_ops(other.m_ops)
    {
        if (m_ops != nullptr)
        {
            m_ops->move(m_storage, other.m_storage);
            other.m_ops = nullptr;
        }
    }

    /// \brief Take another's callable. \param other left empty \returns this
    ChimneyInlineCall& operator=(ChimneyInlineCall&& other) noexcept
    {
        if (this != &other)
        {
            Reset();
            m_ops = other.m_ops;
            if (m_ops != nullptr)
            {
                m_ops->move(m_storage, other.m_storage);
                other.m_ops = nullptr;
            }
        }
        return *this;
    }

    ChimneyInlineCall(const ChimneyInlineCall&) = delete;
    ChimneyInlineCall& operator=(const ChimneyInlineCall&) = delete;

    ~ChimneyInlineCall()
    {
        Reset();
    }

    /// \brief Call it (it must not be empty).
    void operator()()
    {
        m_ops->invoke(m_storage);
    }

  private:
    /// What the callable's type does, one table per type.
    struct Ops
    {
        void (*invoke)(void* self);           //!< call
        void (*move)(void* to, void* from);   //!< move-construct at to, destroy from
        void (*destroy)(void* self) noexcept; //!< destroy
    };

    /// \returns whether a callable of type Fn is kept in place
    template <typename Fn>
    static constexpr bool Fits()
    {
        return sizeof(Fn) <= kInline && alignof(Fn) <= alignof(std::max_align_t);
    }

    /// Ops of a callable kept in place.
    template <typename Fn>
    static constexpr Ops kInPlace{
        [](void* self) { (*static_cast<Fn*>(self))(); },
        [](void* to, void* from) {
            Fn* source = static_cast<Fn*>(from);
            new (to) Fn(std::move(*source));
            source->~Fn();
        },
        [](void* self) noexcept { static_cast<Fn*>(self)->~Fn(); },
    };

    /// Ops of a boxed callable: the storage holds its pointer.
    template <typename Fn>
    static constexpr Ops kBoxed{
        [](void* self) { (**static_cast<Fn**>(self))(); },
        [](void* to, void* from) { new (to) Fn*(*static_cast<Fn**>(from)); },
        [](void* self) noexcept { delete *static_cast<Fn**>(self); },
    };

    /// Destroy the callable, if any.
    void Reset() noexcept
    {
        if (m_ops != nullptr)
        {
            m_ops->destroy(m_storage);
            m_ops = nullptr;
        }
    }

    alignas(std::max_align_t) unsigned char m_storage[kInline]; //!< the callable or its box
    const Ops* m_ops = nullptr;                                 //!< null: empty
};

} // namespace ns3

#endif // CHIMNEY_INLINE_CALL_H
