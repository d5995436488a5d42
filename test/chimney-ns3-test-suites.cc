/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

// ns-3 TestSuites that run the module's GoogleTest tests inside ns-3's test-runner, so that
// `./test.py -s 'chimney*'` runs them in an ns-3 source tree (where ctest is not run). There is
// no second copy of any test: each ctest label is one ns-3 suite, and each GoogleTest test suite
// defined in that label's files is one ns-3 test case that runs those GoogleTest tests
// in-process. Every failed GoogleTest assertion is reported through ns-3's ReportTestFailure,
// with its message, file and line, so test.py shows it and marks the suite FAIL.
//
//   chimney-unit    UNIT,   QUICK          (ctest label unit)
//   chimney-system  SYSTEM, EXTENSIVE      (ctest label system; test.py -f EXTENSIVE)
//   chimney-long    SYSTEM, TAKES_FOREVER  (ctest label long; test.py -f TAKES_FOREVER)
//
// The files of each label come from CMakeLists.txt (CHIMNEY_TEST_FILES_*), the single list.

#include "chimney-gtest-environment.h"

#include "ns3/chimney-ns3-compat.h"
#include "ns3/test.h"

#include <cstring>
#include <set>
#include <sstream>
#include <string>

#ifndef CHIMNEY_TEST_FILES_UNIT
#error "CMakeLists.txt defines CHIMNEY_TEST_FILES_UNIT, _SYSTEM and _LONG for this file"
#endif

// ns-3 3.42 scoped the suite types and test durations (TestSuite::Type::UNIT,
// TestCase::Duration::QUICK) and deprecated the old names.
#if CHIMNEY_NS3_VERSION_MINOR >= 42
#define CHIMNEY_TEST_SUITE_TYPE(T) TestSuite::Type::T
#define CHIMNEY_TEST_DURATION(D) TestCase::Duration::D
using ChimneyTestDuration = ns3::TestCase::Duration;
#else
#define CHIMNEY_TEST_SUITE_TYPE(T) TestSuite::T
#define CHIMNEY_TEST_DURATION(D) TestCase::D
using ChimneyTestDuration = ns3::TestCase::TestDuration;
#endif
using ChimneyTestSuiteType = ns3::TestSuite::Type;

namespace ns3
{
namespace chimney_test
{

/// \returns the file names of a space-separated list
std::set<std::string>
FileSet(const char* list)
{
    std::set<std::string> files;
    std::istringstream words(list);
    for (std::string w; words >> w;)
    {
        files.insert(w);
    }
    return files;
}

/// \returns the last component of a path
std::string
BaseName(const char* path)
{
    const char* slash = std::strrchr(path, '/');
    return slash ? slash + 1 : path;
}

class GoogleTestSuiteCase;

/// Forwards GoogleTest's failed assertions to the ns-3 test case that is running them.
class FailureForwarder : public testing::EmptyTestEventListener
{
  public:
    /// the ns-3 case now running GoogleTest tests (nullptr between cases)
    static GoogleTestSuiteCase* s_current;
    /// the GoogleTest test now running, "Suite.Name" (GoogleTest holds its lock while it calls
    /// a listener, so the name is kept here rather than asked for then)
    static std::string s_test;

    void OnTestStart(const testing::TestInfo& info) override
    {
        s_test = std::string(info.test_suite_name()) + "." + info.name();
    }

    void OnTestPartResult(const testing::TestPartResult& result) override;
};

GoogleTestSuiteCase* FailureForwarder::s_current = nullptr;
std::string FailureForwarder::s_test;

/// GoogleTest is initialised once per process, with the same listeners as chimney-test-main.cc.
void
InitGoogleTestOnce()
{
    static bool done = false;
    if (done)
    {
        return;
    }
    done = true;
    int argc = 1;
    char name[] = "test-runner";
    char* argv[] = {name, nullptr};
    testing::InitGoogleTest(&argc, argv);
    auto& listeners = testing::UnitTest::GetInstance()->listeners();
    listeners.Append(new CleanSimulatorListener);
    listeners.Append(new FailureForwarder);
}

/// One GoogleTest test suite (e.g. HostStackTest) run as one ns-3 test case.
class GoogleTestSuiteCase : public TestCase
{
  public:
    /// \param suite the GoogleTest test suite's name
    explicit GoogleTestSuiteCase(const std::string& suite)
        : TestCase(suite),
          m_suite(suite)
    {
    }

    /**
     * \param test the GoogleTest test ("Suite.Name")
     * \param result a failed GoogleTest assertion of it
     */
    void Fail(const std::string& test, const testing::TestPartResult& result)
    {
        ReportTestFailure("GoogleTest " + test,
                          "failed",
                          "passed",
                          result.message(),
                          result.file_name() ? result.file_name() : "",
                          result.line_number());
    }

  private:
    void DoRun() override
    {
        InitGoogleTestOnce();
        CleanSimulatorListener::Reset();
#ifdef GTEST_FLAG_SET
        GTEST_FLAG_SET(filter, m_suite + ".*");
#else
        testing::GTEST_FLAG(filter) = m_suite + ".*";
#endif
        FailureForwarder::s_current = this;
        const int status = RUN_ALL_TESTS();
        FailureForwarder::s_current = nullptr;
        CleanSimulatorListener::Reset();
        const auto* unit = testing::UnitTest::GetInstance();
        NS_TEST_EXPECT_MSG_GT(unit->test_to_run_count(),
                              0,
                              "no GoogleTest test of suite " << m_suite << " ran");
        // A failure GoogleTest saw outside any assertion (e.g. in an environment) still fails.
        NS_TEST_EXPECT_MSG_EQ((status == 0 || unit->failed_test_count() > 0),
                              true,
                              "GoogleTest run of " << m_suite << " failed");
    }

    std::string m_suite; //!< GoogleTest test suite name
};

void
FailureForwarder::OnTestPartResult(const testing::TestPartResult& result)
{
    if (result.failed() && s_current != nullptr)
    {
        s_current->Fail(s_test, result);
    }
}

/// The tests of one ctest label: a child case per GoogleTest test suite in the label's files.
class GoogleTestLabelCase : public TestCase
{
  public:
    /// \param label the ctest label \param files the label's test source file names
    GoogleTestLabelCase(const std::string& label, const char* files)
        : TestCase(label),
          m_files(FileSet(files))
    {
    }

  private:
    // GoogleTest registers its tests while shared libraries load, in an order this file does not
    // control; by the time a case runs every test is registered, so the children are made here.
    void DoSetup() override
    {
        if (m_made)
        {
            return;
        }
        m_made = true;
        InitGoogleTestOnce();
        const auto* unit = testing::UnitTest::GetInstance();
        for (int i = 0; i < unit->total_test_suite_count(); ++i)
        {
            const testing::TestSuite* suite = unit->GetTestSuite(i);
            if (suite->total_test_count() > 0 &&
                m_files.count(BaseName(suite->GetTestInfo(0)->file())) != 0)
            {
                AddTestCase(new GoogleTestSuiteCase(suite->name()));
                ++m_suites;
            }
        }
    }

    void DoRun() override
    {
        NS_TEST_EXPECT_MSG_GT(m_suites, 0, "no GoogleTest suite in the files of " << GetName());
    }

    std::set<std::string> m_files; //!< the label's test source file names
    bool m_made{false};            //!< children made
    uint32_t m_suites{0};          //!< GoogleTest suites found
};

/// An ns-3 test suite holding one ctest label.
class ChimneyTestSuite : public TestSuite
{
  public:
    /**
     * \param name ns-3 suite name \param type its ns-3 type \param label the ctest label
     * \param duration how long its case runs \param files the label's test files
     */
    ChimneyTestSuite(const std::string& name,
                     ChimneyTestSuiteType type,
                     const std::string& label,
                     ChimneyTestDuration duration,
                     const char* files)
        : TestSuite(name, type)
    {
        AddTestCase(new GoogleTestLabelCase(label, files), duration);
    }
};

/// ctest label unit
static ChimneyTestSuite g_chimneyUnitSuite("chimney-unit",
                                           CHIMNEY_TEST_SUITE_TYPE(UNIT),
                                           "unit",
                                           CHIMNEY_TEST_DURATION(QUICK),
                                           CHIMNEY_TEST_FILES_UNIT);
/// ctest label system
static ChimneyTestSuite g_chimneySystemSuite("chimney-system",
                                             CHIMNEY_TEST_SUITE_TYPE(SYSTEM),
                                             "system",
                                             CHIMNEY_TEST_DURATION(EXTENSIVE),
                                             CHIMNEY_TEST_FILES_SYSTEM);
/// ctest label long
static ChimneyTestSuite g_chimneyLongSuite("chimney-long",
                                           CHIMNEY_TEST_SUITE_TYPE(SYSTEM),
                                           "long",
                                           CHIMNEY_TEST_DURATION(TAKES_FOREVER),
                                           CHIMNEY_TEST_FILES_LONG);

} // namespace chimney_test
} // namespace ns3
