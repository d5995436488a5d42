/*
 * SPDX-License-Identifier: GPL-2.0-only
 */

/*
 * A main() for a libFuzzer target built without libFuzzer (the project's g++ build): runs every
 * input file or directory given, then -runs=N inputs derived deterministically (-seed=S) from
 * them by byte mutations, or random when there is no corpus. A bounded, reproducible pass for
 * ctest; coverage-guided fuzzing needs the clang build (scripts/fuzz.sh --target=interface).
 *
 *   chimney-interface-fuzz-replay [-runs=N] [-seed=S] [-max_len=L] FILE_OR_DIR...
 *
 * Each input runs in a forked child, so that no global state (ns-3's random stream numbering,
 * for one) carries from one input to the next: an input fails or passes alone as in the run.
 * Exit status 0 when every input passed; 1 when one failed, after the harness's message and the
 * failing input written to ./fuzz-replay-failure (replay it alone: pass it as the only FILE).
 */

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <iterator>
#include <string>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace
{

uint64_t g_state = 88172645463325252ull;

uint64_t
Next()
{
    g_state ^= g_state << 13;
    g_state ^= g_state >> 7;
    g_state ^= g_state << 17;
    return g_state;
}

std::vector<uint8_t>
ReadFile(const std::string& path)
{
    std::ifstream in(path, std::ios::binary);
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(in), {});
}

void
Collect(const std::string& path, std::vector<std::string>& out)
{
    struct stat st;
    if (stat(path.c_str(), &st) != 0)
    {
        std::fprintf(stderr, "fuzz-replay: cannot read %s\n", path.c_str());
        std::exit(2);
    }
    if (!S_ISDIR(st.st_mode))
    {
        out.push_back(path);
        return;
    }
    DIR* dir = opendir(path.c_str());
    std::vector<std::string> names;
    while (dirent* e = readdir(dir))
    {
        if (e->d_name[0] != '.')
        {
            names.push_back(path + "/" + e->d_name);
        }
    }
    closedir(dir);
    std::sort(names.begin(), names.end());
    out.insert(out.end(), names.begin(), names.end());
}

/// Runs one input in a child process; on failure saves it and exits 1.
void
RunOne(const std::vector<uint8_t>& input, const std::string& name)
{
    std::fflush(stderr);
    const pid_t pid = fork();
    if (pid == 0)
    {
        LLVMFuzzerTestOneInput(input.data(), input.size());
        std::fflush(stderr);
        _exit(0);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
    {
        return;
    }
    std::ofstream("fuzz-replay-failure", std::ios::binary)
        .write(reinterpret_cast<const char*>(input.data()),
               static_cast<std::streamsize>(input.size()));
    std::fprintf(stderr,
                 "fuzz-replay: %s failed (%s %d); the input is in ./fuzz-replay-failure\n",
                 name.c_str(),
                 WIFSIGNALED(status) ? "signal" : "exit status",
                 WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
    std::exit(1);
}

} // namespace

int
main(int argc, char** argv)
{
    long runs = 0;
    uint64_t seed = 1;
    size_t maxLen = 512;
    std::vector<std::string> files;
    for (int i = 1; i < argc; ++i)
    {
        const std::string a = argv[i];
        if (a.rfind("-runs=", 0) == 0)
        {
            runs = std::atol(a.c_str() + 6);
        }
        else if (a.rfind("-seed=", 0) == 0)
        {
            seed = std::strtoull(a.c_str() + 6, nullptr, 10);
        }
        else if (a.rfind("-max_len=", 0) == 0)
        {
            maxLen = std::strtoul(a.c_str() + 9, nullptr, 10);
        }
        else if (!a.empty() && a[0] == '-')
        {
            std::fprintf(stderr, "fuzz-replay: ignoring libFuzzer option %s\n", a.c_str());
        }
        else
        {
            Collect(a, files);
        }
    }
    g_state ^= seed * 0x9E3779B97F4A7C15ull;
    std::vector<std::vector<uint8_t>> corpus;
    for (const std::string& f : files)
    {
        std::fprintf(stderr, "fuzz-replay: %s\n", f.c_str());
        corpus.push_back(ReadFile(f));
        RunOne(corpus.back(), f);
    }
    for (long r = 0; r < runs; ++r)
    {
        std::vector<uint8_t> input;
        if (!corpus.empty() && Next() % 4 != 0)
        {
            input = corpus[Next() % corpus.size()];
            const int edits = 1 + static_cast<int>(Next() % 8);
            for (int k = 0; k < edits; ++k)
            {
                const uint64_t what = Next() % 4;
                if (what == 0 || input.empty())
                {
                    input.insert(input.begin() + (input.empty() ? 0 : Next() % input.size()),
                                 static_cast<uint8_t>(Next()));
                }
                else if (what == 1)
                {
                    input[Next() % input.size()] = static_cast<uint8_t>(Next());
                }
                else if (what == 2)
                {
                    input.erase(input.begin() + Next() % input.size());
                }
                else
                {
                    input[Next() % input.size()] ^= static_cast<uint8_t>(1u << (Next() % 8));
                }
            }
        }
        else
        {
            input.resize(Next() % maxLen);
            for (auto& b : input)
            {
                b = static_cast<uint8_t>(Next());
            }
        }
        if (input.size() > maxLen)
        {
            input.resize(maxLen);
        }
        RunOne(input, "derived input " + std::to_string(r));
    }
    std::fprintf(stderr,
                 "fuzz-replay: %zu corpus inputs and %ld derived inputs passed\n",
                 corpus.size(),
                 runs);
    return 0;
}
