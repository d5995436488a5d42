/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// The ChimneyVerifier's JSON report, parsed and validated against its documented schema, and
// the shadow's receive direction (E1). The fixture: chimney-verifier-test-fixture.h.

#include "chimney-verifier-test-fixture.h"

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <gtest/gtest.h>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

using namespace ns3;
using namespace chimney_verifier_test;

namespace
{

// ---------------------------------------------------------------------------------------------
// JSON report: parsed and validated against the documented schema
// ---------------------------------------------------------------------------------------------

/// A minimal JSON value and parser (Debian has no C++ JSON library preinstalled).
struct Json
{
    enum class Type
    {
        Null,
        Bool,
        Number,
        String,
        Array,
        Object
    } type = Type::Null;

    bool b = false;
    double number = 0;
    std::string str;
    std::vector<Json> items;
    std::vector<std::pair<std::string, Json>> members;

    const Json* Get(const std::string& key) const
    {
        for (const auto& m : members)
        {
            if (m.first == key)
            {
                return &m.second;
            }
        }
        return nullptr;
    }
};

class JsonParser
{
  public:
    explicit JsonParser(const std::string& text)
        : m_s(text)
    {
    }

    bool Parse(Json& out)
    {
        if (!Value(out))
        {
            return false;
        }
        Ws();
        return m_i == m_s.size();
    }

  private:
    void Ws()
    {
        while (m_i < m_s.size() && std::isspace(static_cast<unsigned char>(m_s[m_i])))
        {
            ++m_i;
        }
    }

    bool Lit(const char* word)
    {
        const size_t n = std::strlen(word);
        if (m_s.compare(m_i, n, word) != 0)
        {
            return false;
        }
        m_i += n;
        return true;
    }

    bool String(std::string& out)
    {
        if (m_i >= m_s.size() || m_s[m_i] != '"')
        {
            return false;
        }
        ++m_i;
        while (m_i < m_s.size() && m_s[m_i] != '"')
        {
            char c = m_s[m_i++];
            if (static_cast<unsigned char>(c) < 0x20)
            {
                return false; // control characters must be escaped
            }
            if (c == '\\')
            {
                if (m_i >= m_s.size())
                {
                    return false;
                }
                const char e = m_s[m_i++];
                switch (e)
                {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 'b':
                case 'f':
                    out += ' ';
                    break;
                case 'u':
                    if (m_i + 4 > m_s.size())
                    {
                        return false;
                    }
                    m_i += 4;
                    out += '?';
                    break;
                default:
                    return false;
                }
                continue;
            }
            out += c;
        }
        if (m_i >= m_s.size())
        {
            return false;
        }
        ++m_i;
        return true;
    }

    bool Value(Json& v)
    {
        Ws();
        if (m_i >= m_s.size())
        {
            return false;
        }
        const char c = m_s[m_i];
        if (c == '{')
        {
            v.type = Json::Type::Object;
            ++m_i;
            Ws();
            if (m_i < m_s.size() && m_s[m_i] == '}')
            {
                ++m_i;
                return true;
            }
            while (true)
            {
                Ws();
                std::string key;
                if (!String(key))
                {
                    return false;
                }
                Ws();
                if (m_i >= m_s.size() || m_s[m_i++] != ':')
                {
                    return false;
                }
                Json member;
                if (!Value(member))
                {
                    return false;
                }
                v.members.emplace_back(key, member);
                Ws();
                if (m_i < m_s.size() && m_s[m_i] == ',')
                {
                    ++m_i;
                    continue;
                }
                return m_i < m_s.size() && m_s[m_i++] == '}';
            }
        }
        if (c == '[')
        {
            v.type = Json::Type::Array;
            ++m_i;
            Ws();
            if (m_i < m_s.size() && m_s[m_i] == ']')
            {
                ++m_i;
                return true;
            }
            while (true)
            {
                Json item;
                if (!Value(item))
                {
                    return false;
                }
                v.items.push_back(item);
                Ws();
                if (m_i < m_s.size() && m_s[m_i] == ',')
                {
                    ++m_i;
                    continue;
                }
                return m_i < m_s.size() && m_s[m_i++] == ']';
            }
        }
        if (c == '"')
        {
            v.type = Json::Type::String;
            return String(v.str);
        }
        if (Lit("true"))
        {
            v.type = Json::Type::Bool;
            v.b = true;
            return true;
        }
        if (Lit("false"))
        {
            v.type = Json::Type::Bool;
            return true;
        }
        if (Lit("null"))
        {
            return true;
        }
        const char* begin = m_s.c_str() + m_i;
        char* end = nullptr;
        v.number = std::strtod(begin, &end);
        if (end == begin)
        {
            return false;
        }
        v.type = Json::Type::Number;
        m_i += static_cast<size_t>(end - begin);
        return true;
    }

    const std::string& m_s;
    size_t m_i = 0;
};

/// Validate a report against the schema documented in chimney-finding.h; "" when valid.
std::string
ValidateReport(const std::string& text)
{
    Json root;
    if (!JsonParser(text).Parse(root) || root.type != Json::Type::Object)
    {
        return "not a JSON object";
    }
    const Json* schema = root.Get("schema");
    if (!schema || schema->type != Json::Type::String || schema->str != "chimney-verifier-report/1")
    {
        return "schema";
    }
    const Json* summary = root.Get("summary");
    const Json* counts = root.Get("counts");
    const Json* findings = root.Get("findings");
    const Json* invariants = root.Get("invariants");
    if (!summary || summary->type != Json::Type::Object || !counts ||
        counts->type != Json::Type::Object || !findings || findings->type != Json::Type::Array ||
        !invariants || invariants->type != Json::Type::Object)
    {
        return "top-level members";
    }
    for (const char* key : {"findings",
                            "stored",
                            "suppressed",
                            "simTimeSeconds",
                            "devices",
                            "connections",
                            "segments",
                            "requests",
                            "completions",
                            "indications"})
    {
        const Json* n = summary->Get(key);
        if (!n || n->type != Json::Type::Number || n->number < 0)
        {
            return std::string("summary.") + key;
        }
    }
    const Json* clean = summary->Get("clean");
    if (!clean || clean->type != Json::Type::Bool)
    {
        return "summary.clean";
    }
    double total = 0;
    for (const auto& invariant : ChimneyInvariantCatalog())
    {
        const Json* n = counts->Get(invariant.id);
        if (!n || n->type != Json::Type::Number)
        {
            return std::string("counts.") + invariant.id;
        }
        total += n->number;
        const Json* t = invariants->Get(invariant.id);
        if (!t || t->type != Json::Type::String || t->str.empty())
        {
            return std::string("invariants.") + invariant.id;
        }
    }
    if (counts->members.size() != ChimneyInvariantCatalog().size())
    {
        return "counts has IDs outside the catalog";
    }
    if (total != summary->Get("findings")->number || clean->b != (total == 0))
    {
        return "counts do not add up to summary.findings";
    }
    if (static_cast<double>(findings->items.size()) != summary->Get("stored")->number)
    {
        return "findings length != summary.stored";
    }
    for (const Json& f : findings->items)
    {
        if (f.type != Json::Type::Object)
        {
            return "finding is not an object";
        }
        for (const char* key : {"id", "device", "local", "remote", "description", "evidence"})
        {
            const Json* s = f.Get(key);
            if (!s || s->type != Json::Type::String)
            {
                return std::string("finding.") + key;
            }
        }
        for (const char* key : {"timeSeconds", "timeNs", "node", "handle"})
        {
            const Json* n = f.Get(key);
            if (!n || n->type != Json::Type::Number)
            {
                return std::string("finding.") + key;
            }
        }
        if (!IsChimneyInvariantId(f.Get("id")->str))
        {
            return "finding.id not in the catalog";
        }
    }
    return "";
}

TEST_F(VerifierSyntheticTest, JsonReportMatchesTheDocumentedSchema)
{
    Offload();
    Wire(true, kData, 0, RST); // W4, evidence with brackets
    Ledger(false);             // R1
    Call(ChimneyOp::SEND,
         9,
         NetBufferList::CreateSend(Data(1), 1),
         nullptr,
         0,
         ChimneyStatus::PENDING);                                          // H1 accepted
    verifier->ObserveHostMisuse(device, "H3", kH, "flags \"0x3\"\n\tbad"); // escaping
    verifier->Finish();
    std::ostringstream out;
    verifier->WriteJson(out);
    EXPECT_EQ(ValidateReport(out.str()), "") << out.str();
    EXPECT_GE(verifier->GetFindingCount(), 4u);
    // Every finding is in the report, with its ID counted.
    for (const ChimneyFinding& f : verifier->GetFindings())
    {
        EXPECT_NE(out.str().find("\"id\": \"" + f.id + "\""), std::string::npos) << f.id;
    }
    std::ostringstream table;
    verifier->PrintSummary(table);
    EXPECT_NE(table.str().find("W4"), std::string::npos);
    EXPECT_NE(table.str().find("findings"), std::string::npos);
}

TEST(VerifierJson, ValidatorRejectsBrokenReports)
{
    EXPECT_NE(ValidateReport("{"), "");
    EXPECT_NE(ValidateReport("{\"schema\": \"chimney-verifier-report/1\"}"), "");
    ChimneyFindingLog log;
    std::ostringstream ok;
    log.WriteJson(ok,
                  Seconds(1),
                  {{"devices", 1},
                   {"connections", 0},
                   {"segments", 0},
                   {"requests", 0},
                   {"completions", 0},
                   {"indications", 0}});
    EXPECT_EQ(ValidateReport(ok.str()), "") << ok.str();
    std::string broken = ok.str();
    broken.replace(broken.find("\"W1\": 0"), 7, "\"W1\": 2");
    EXPECT_NE(ValidateReport(broken), ""); // counts no longer add up
}

// E1 receive direction, in the shadow: each byte delivered is compared once with the wire's
// byte at its position, whatever the order (the wire's segments out of order and overlapping,
// deliveries cut elsewhere, bytes delivered before the wire showed them).
TEST(VerifierShadow, DeliveredBytesComparedOnceWithTheWireInAnyOrder)
{
    std::vector<uint8_t> stream(100);
    for (size_t i = 0; i < stream.size(); ++i)
    {
        stream[i] = static_cast<uint8_t>(i * 7 + 3);
    }
    auto deliver = [&stream](ShadowConnection& c, size_t from, size_t n, int corruptAt = -1) {
        Ptr<NetBufferList> nbl = NetBufferList::CreateReceive(static_cast<uint32_t>(n));
        std::copy(stream.begin() + from, stream.begin() + from + n, nbl->buffers[0].data.begin());
        if (corruptAt >= 0)
        {
            nbl->buffers[0].data[corruptAt] ^= 0x40;
        }
        c.AddDelivered(*nbl, n);
    };
    auto wire = [&stream](ShadowConnection& c, size_t from, size_t n) {
        c.AddRemoteData(static_cast<int64_t>(from), stream.data() + from, n);
    };
    {
        ShadowConnection c; // out of order and overlapping on the wire, delivered in 3 cuts
        wire(c, 40, 30);
        wire(c, 0, 25);
        wire(c, 20, 30);
        EXPECT_EQ(c.wire, 70);
        deliver(c, 0, 33);
        deliver(c, 33, 7);
        deliver(c, 40, 30);
        EXPECT_FALSE(c.deliveredDiffers);
        EXPECT_EQ(c.undelivered.Size(), 0u);
        EXPECT_TRUE(c.ooo.empty());
    }
    {
        ShadowConnection c; // delivered before the wire showed it, then the same bytes
        wire(c, 0, 10);
        deliver(c, 0, 30);
        EXPECT_EQ(c.ahead.Size(), 20u);
        wire(c, 10, 50);
        EXPECT_FALSE(c.deliveredDiffers);
        EXPECT_EQ(c.ahead.Size(), 0u);
        EXPECT_EQ(c.undelivered.Size(), 30u);
    }
    {
        ShadowConnection c; // one byte delivered differs
        wire(c, 0, 60);
        deliver(c, 0, 20);
        EXPECT_FALSE(c.deliveredDiffers);
        deliver(c, 20, 20, 19);
        EXPECT_TRUE(c.deliveredDiffers);
    }
    {
        ShadowConnection c; // delivered early, and the wire then shows other bytes
        deliver(c, 0, 10, 4);
        wire(c, 0, 10);
        EXPECT_TRUE(c.deliveredDiffers);
    }
}

} // namespace
