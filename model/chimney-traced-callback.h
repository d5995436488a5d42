/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

#ifndef CHIMNEY_TRACED_CALLBACK_H
#define CHIMNEY_TRACED_CALLBACK_H

#include "ns3/callback.h"
#include "ns3/traced-callback.h"

#include <functional>
#include <string>
#include <type_traits>

namespace ns3
{

/// How a direct sink takes an argument of a trace source's type T: by const reference, so
/// that no Ptr is copied on the way.
template <typename T>
using ChimneyTraceArg = const std::decay_t<T>&;

/**
 * \ingroup chimney
 * \brief A Callback that a ChimneyTracedCallback calls through one function pointer.
 *
 * Connected to any other trace source it is an ordinary Callback (its std::function). The
 * verifier's sinks are made of it: they run on every request and completion, and the list,
 * Callback and std::function between an ordinary trace source and its sink cost about 3 % of
 * the verifier's cycles (BENCHMARKS.md, "Direct sinks").
 */
template <typename... Ts>
class ChimneyDirectSinkImpl : public CallbackImpl<void, Ts...>
{
  public:
    /// The direct call: the context given at construction, then the source's arguments.
    using Function = void (*)(const void* context, ChimneyTraceArg<Ts>... args);

    /**
     * \param func the same call, for ordinary trace sources
     * \param components what CallbackImpl::IsEqual() compares (disconnection)
     * \param direct the direct call
     * \param context its first argument (kept alive by whoever owns this object)
     */
    ChimneyDirectSinkImpl(std::function<void(Ts...)> func,
                          const CallbackComponentVector& components,
                          Function direct,
                          const void* context)
        : CallbackImpl<void, Ts...>(std::move(func), components),
          m_direct(direct),
          m_context(context)
    {
    }

    /// \returns the direct call
    Function GetDirect() const
    {
        return m_direct;
    }

    /// \returns its context
    const void* GetContext() const
    {
        return m_context;
    }

  private:
    Function m_direct;     //!< the direct call
    const void* m_context; //!< its context
};

/**
 * \ingroup chimney
 * \brief A TracedCallback with one seat for a direct sink.
 *
 * The first sink connected, if it is a ChimneyDirectSinkImpl, is called through its function
 * pointer; every other sink as by TracedCallback, after it, in the order connected. So sinks run
 * in connection order either way, and a source without a direct sink behaves as TracedCallback.
 * MakeTraceSourceAccessor() takes it as it takes a TracedCallback.
 */
template <typename... Ts>
class ChimneyTracedCallback
{
  public:
    /// \param callback a sink: the direct seat if it is a direct sink and the first connected
    void ConnectWithoutContext(const CallbackBase& callback)
    {
        const auto* direct =
            dynamic_cast<const ChimneyDirectSinkImpl<Ts...>*>(PeekPointer(callback.GetImpl()));
        if (direct != nullptr && m_direct == nullptr && m_others.IsEmpty())
        {
            m_direct = direct->GetDirect();
            m_context = direct->GetContext();
            m_directCallback = callback;
            return;
        }
        m_others.ConnectWithoutContext(callback);
    }

    /// \param callback a sink taking the context first \param path the context
    void Connect(const CallbackBase& callback, std::string path)
    {
        m_others.Connect(callback, path);
    }

    /// \param callback a sink connected without a context: disconnected
    void DisconnectWithoutContext(const CallbackBase& callback)
    {
        if (m_direct != nullptr && m_directCallback.GetImpl()->IsEqual(callback.GetImpl()))
        {
            m_direct = nullptr;
            m_context = nullptr;
            m_directCallback = CallbackBase();
        }
        m_others.DisconnectWithoutContext(callback);
    }

    /// \param callback a sink connected with context path \param path the context
    void Disconnect(const CallbackBase& callback, std::string path)
    {
        m_others.Disconnect(callback, path);
    }

    /// \param args the arguments, to every sink
    void operator()(ChimneyTraceArg<Ts>... args) const
    {
        if (m_direct != nullptr)
        {
            m_direct(m_context, args...);
        }
        if (!m_others.IsEmpty())
        {
            m_others(args...);
        }
    }

    /// \returns true without any sink
    bool IsEmpty() const
    {
        return m_direct == nullptr && m_others.IsEmpty();
    }

  private:
    // The seat's call and context, copied out of its Callback's implementation: calling them
    // reads this object only, not the implementation's (usually cold) memory.
    typename ChimneyDirectSinkImpl<Ts...>::Function m_direct = nullptr; //!< the direct seat
    const void* m_context = nullptr;                                    //!< its context
    CallbackBase m_directCallback;  //!< its Callback: keeps the context alive, for disconnection
    TracedCallback<Ts...> m_others; //!< every other sink
};

} // namespace ns3

#endif /* CHIMNEY_TRACED_CALLBACK_H */
