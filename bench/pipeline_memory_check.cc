// Does the pipeline's memory grow per message? Runs the corpus through one
// pipeline `passes` times (default 200) and compares the resident set after
// the first pass with the one after the last. Exit 1 when it grew by more
// than 1 MiB (a leak, an unbounded cache), 2 when it could not run.
//
//   pipeline_memory_check [passes]      corpus: $LIA_CORPUS or shared/corpus

#include <malloc.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/pipeline.h"
#include "bench_corpus.h"
#include "core/profile.h"
#include "core/types.h"

namespace {

constexpr int64_t kMaxGrowthBytes = int64_t{1} << 20;

// Resident set size from /proc/self/statm, after handing freed heap memory
// back to the kernel so that only live memory (and fragmentation) counts.
int64_t ResidentBytes() {
  malloc_trim(0);
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return -1;
  long long size_pages = 0;
  long long resident_pages = 0;
  const int read =
      std::fscanf(statm, "%lld %lld", &size_pages, &resident_pages);
  std::fclose(statm);
  if (read != 2) return -1;
  return resident_pages * static_cast<int64_t>(sysconf(_SC_PAGESIZE));
}

}  // namespace

int main(int argc, char** argv) {
  const int passes = argc > 1 ? std::atoi(argv[1]) : 200;
  if (passes < 2) {
    std::fprintf(stderr, "usage: %s [passes >= 2]\n", argv[0]);
    return 2;
  }
  const std::string path = lia::bench::CorpusPath();
  absl::StatusOr<std::vector<lia::core::Message>> corpus =
      lia::bench::LoadCorpus(path);
  if (!corpus.ok()) {
    std::fprintf(stderr, "pipeline_memory_check: %s (set LIA_CORPUS)\n",
                 corpus.status().ToString().c_str());
    return 2;
  }
  const std::unique_ptr<lia::analysis::Pipeline> pipeline =
      lia::analysis::NewRulesPipeline();
  const lia::core::Profile profile = lia::core::DefaultProfile();

  auto run_pass = [&]() -> bool {
    for (const lia::core::Message& message : *corpus) {
      absl::StatusOr<lia::core::Analysis> analysis =
          pipeline->Analyze(message, profile);
      if (!analysis.ok()) {
        std::fprintf(stderr, "pipeline_memory_check: %s: %s\n",
                     message.id.c_str(), analysis.status().ToString().c_str());
        return false;
      }
    }
    return true;
  };

  if (!run_pass()) return 2;
  const int64_t first = ResidentBytes();
  for (int pass = 2; pass <= passes; ++pass) {
    if (!run_pass()) return 2;
  }
  const int64_t last = ResidentBytes();
  if (first < 0 || last < 0) {
    std::fprintf(stderr,
                 "pipeline_memory_check: cannot read /proc/self/statm\n");
    return 2;
  }
  const int64_t growth = last - first;
  std::printf(
      "pipeline_memory_check: %d passes x %zu messages: RSS after pass 1 "
      "%lld KiB, after pass %d %lld KiB, growth %lld KiB (limit %lld KiB)\n",
      passes, corpus->size(), static_cast<long long>(first / 1024), passes,
      static_cast<long long>(last / 1024),
      static_cast<long long>(growth / 1024),
      static_cast<long long>(kMaxGrowthBytes / 1024));
  if (growth > kMaxGrowthBytes) {
    std::printf("pipeline_memory_check: FAILED, memory grows per message\n");
    return 1;
  }
  return 0;
}
