/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ChimneyTracedCallback: a direct sink takes the seat only when it is connected first; every
// sink runs in connection order either way; disconnection, contexts and trace sources by name
// work as with TracedCallback.

#include "ns3/chimney-traced-callback.h"
#include "ns3/object.h"
#include "ns3/packet.h"
#include "ns3/trace-source-accessor.h"

#include <gtest/gtest.h>
#include <string>
#include <vector>

using namespace ns3;

namespace
{

using Calls = std::vector<std::string>;

/// A direct sink named name: logs "name:direct:v" when called through the seat, "name:list:v"
/// when called as an ordinary Callback; on the direct path, also the packet's reference count.
Callback<void, int, Ptr<const Packet>>
DirectSink(Calls* calls, const std::string& name, uint32_t* references = nullptr)
{
    struct Impl : ChimneyDirectSinkImpl<int, Ptr<const Packet>>
    {
        Impl(Calls* calls, const std::string& name, uint32_t* references)
            : ChimneyDirectSinkImpl<int, Ptr<const Packet>>(
                  [calls, name](int v, Ptr<const Packet>) {
                      calls->push_back(name + ":list:" + std::to_string(v));
                  },
                  {std::make_shared<CallbackComponent<const void*>>(this)},
                  &Impl::Direct,
                  this),
              calls(calls),
              name(name),
              references(references)
        {
        }

        static void Direct(const void* context, const int& v, const Ptr<const Packet>& p)
        {
            const Impl* self = static_cast<const Impl*>(context);
            self->calls->push_back(self->name + ":direct:" + std::to_string(v));
            if (self->references != nullptr)
            {
                *self->references = p->GetReferenceCount();
            }
        }

        Calls* calls;
        std::string name;
        uint32_t* references;
    };

    return Callback<void, int, Ptr<const Packet>>(
        Ptr<CallbackImpl<void, int, Ptr<const Packet>>>(Create<Impl>(calls, name, references)));
}

/// An ordinary sink named name: logs "name:v".
Callback<void, int, Ptr<const Packet>>
PlainSink(Calls* calls, const std::string& name)
{
    return Callback<void, int, Ptr<const Packet>>([calls, name](int v, Ptr<const Packet>) {
        calls->push_back(name + ":" + std::to_string(v));
    });
}

/// An object with a ChimneyTracedCallback as a trace source, connected to by name.
class TracedThing : public Object
{
  public:
    static TypeId GetTypeId()
    {
        static TypeId tid = TypeId("ns3::ChimneyTracedCallbackTestThing")
                                .SetParent<Object>()
                                .AddConstructor<TracedThing>()
                                .AddTraceSource("Fired",
                                                "A number and a packet.",
                                                MakeTraceSourceAccessor(&TracedThing::m_fired),
                                                "ns3::ChimneyTracedCallbackTestThing::Fired");
        return tid;
    }

    ChimneyTracedCallback<int, Ptr<const Packet>> m_fired; //!< the source
};

TEST(ChimneyTracedCallback, DirectSinkConnectedFirstTakesTheSeat)
{
    Calls calls;
    uint32_t references = 0;
    ChimneyTracedCallback<int, Ptr<const Packet>> source;
    EXPECT_TRUE(source.IsEmpty());
    source.ConnectWithoutContext(DirectSink(&calls, "a", &references));
    source.ConnectWithoutContext(PlainSink(&calls, "b"));
    EXPECT_FALSE(source.IsEmpty());
    Ptr<const Packet> p = Create<Packet>(10);
    source(7, p);
    EXPECT_EQ(calls, (Calls{"a:direct:7", "b:7"}));
    EXPECT_EQ(references, 1u) << "the direct sink got the packet without a copy of its Ptr";
}

TEST(ChimneyTracedCallback, SinksRunInConnectionOrder)
{
    Calls calls;
    ChimneyTracedCallback<int, Ptr<const Packet>> source;
    source.ConnectWithoutContext(PlainSink(&calls, "b"));
    source.ConnectWithoutContext(DirectSink(&calls, "a"));
    source.ConnectWithoutContext(DirectSink(&calls, "c"));
    source(1, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"b:1", "a:list:1", "c:list:1"}));

    calls.clear();
    ChimneyTracedCallback<int, Ptr<const Packet>> other;
    other.ConnectWithoutContext(DirectSink(&calls, "a"));
    other.ConnectWithoutContext(DirectSink(&calls, "c"));
    other(2, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"a:direct:2", "c:list:2"})) << "one seat";
}

TEST(ChimneyTracedCallback, DisconnectFreesTheSeat)
{
    Calls calls;
    ChimneyTracedCallback<int, Ptr<const Packet>> source;
    const auto a = DirectSink(&calls, "a");
    const auto b = PlainSink(&calls, "b");
    source.ConnectWithoutContext(a);
    source.ConnectWithoutContext(b);
    source.DisconnectWithoutContext(DirectSink(&calls, "a")); // another sink: not a
    source(1, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"a:direct:1", "b:1"}));

    calls.clear();
    source.DisconnectWithoutContext(a);
    source(2, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"b:2"}));
    source.DisconnectWithoutContext(b);
    EXPECT_TRUE(source.IsEmpty());
    source(3, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"b:2"})) << "no sink left";

    source.ConnectWithoutContext(a);
    source(4, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"b:2", "a:direct:4"}));
}

TEST(ChimneyTracedCallback, TraceSourceByNameWithAndWithoutContext)
{
    Calls calls;
    Ptr<TracedThing> thing = CreateObject<TracedThing>();
    ASSERT_TRUE(thing->TraceConnectWithoutContext("Fired", DirectSink(&calls, "a")));
    const Callback<void, std::string, int, Ptr<const Packet>> withContext(
        [&calls](std::string context, int v, Ptr<const Packet>) {
            calls.push_back(context + ":" + std::to_string(v));
        });
    ASSERT_TRUE(thing->TraceConnect("Fired", "ctx", withContext));
    thing->m_fired(5, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"a:direct:5", "ctx:5"}));

    calls.clear();
    ASSERT_TRUE(thing->TraceDisconnect("Fired", "ctx", withContext));
    thing->m_fired(6, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"a:direct:6"}));
}

TEST(ChimneyTracedCallback, DirectSinkIsAnOrdinaryCallbackElsewhere)
{
    Calls calls;
    TracedCallback<int, Ptr<const Packet>> plain;
    plain.ConnectWithoutContext(DirectSink(&calls, "a"));
    plain(8, Create<Packet>(1));
    EXPECT_EQ(calls, (Calls{"a:list:8"}));
}

} // namespace
