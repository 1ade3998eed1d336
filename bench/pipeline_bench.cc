// Throughput of the rules pipeline and of its hot parts, over the labelled
// corpus ($LIA_CORPUS or shared/corpus/dev.jsonl). `make bench` runs it.
// Target (DESIGN): >= 20,000 corpus messages/s on one core, BM_PipelineCorpus.

#include <benchmark/benchmark.h>

#include <cstddef>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "analysis/pipeline.h"
#include "analysis/salary.h"
#include "analysis/tech_lexicon.h"
#include "analysis/text.h"
#include "bench_corpus.h"
#include "core/profile.h"
#include "core/types.h"

namespace lia::bench {
namespace {

// Loaded once; empty (and the error printed once) when unreadable.
const std::vector<core::Message>& Corpus() {
  static const std::vector<core::Message>* const corpus = [] {
    absl::StatusOr<std::vector<core::Message>> loaded =
        LoadCorpus(CorpusPath());
    if (!loaded.ok()) {
      std::fprintf(stderr, "pipeline_bench: %s (set LIA_CORPUS)\n",
                   loaded.status().ToString().c_str());
      return new std::vector<core::Message>();
    }
    return new std::vector<core::Message>(*std::move(loaded));
  }();
  return *corpus;
}

size_t CorpusBytes() {
  size_t bytes = 0;
  for (const core::Message& m : Corpus()) bytes += m.text.size();
  return bytes;
}

// Skips the benchmark when the corpus is missing; true when it may run.
bool HaveCorpus(benchmark::State& state) {
  if (!Corpus().empty()) return true;
  state.SkipWithError("corpus not found (set LIA_CORPUS)");
  return false;
}

void BM_PipelineCorpus(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const std::unique_ptr<analysis::Pipeline> pipeline =
      analysis::NewRulesPipeline();
  const core::Profile profile = core::DefaultProfile();
  const std::vector<core::Message>& corpus = Corpus();
  for (auto _ : state) {
    for (const core::Message& message : corpus) {
      absl::StatusOr<core::Analysis> analysis =
          pipeline->Analyze(message, profile);
      benchmark::DoNotOptimize(analysis);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(corpus.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(CorpusBytes()));
  state.SetLabel("items = messages; target >= 20k/s");
}
BENCHMARK(BM_PipelineCorpus)->Unit(benchmark::kMillisecond);

void BM_ParseSalary(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const std::vector<core::Message>& corpus = Corpus();
  for (auto _ : state) {
    for (const core::Message& message : corpus) {
      auto salary = analysis::ParseSalary(message.text);
      benchmark::DoNotOptimize(salary);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(corpus.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(CorpusBytes()));
}
BENCHMARK(BM_ParseSalary)->Unit(benchmark::kMicrosecond);

void BM_TechLexiconFind(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const analysis::TechLexicon& lexicon = analysis::DefaultTechLexicon();
  const std::vector<core::Message>& corpus = Corpus();
  for (auto _ : state) {
    for (const core::Message& message : corpus) {
      std::vector<std::string> found = lexicon.Find(message.text);
      benchmark::DoNotOptimize(found);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(corpus.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(CorpusBytes()));
}
BENCHMARK(BM_TechLexiconFind)->Unit(benchmark::kMicrosecond);

void BM_Fold(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const std::vector<core::Message>& corpus = Corpus();
  for (auto _ : state) {
    for (const core::Message& message : corpus) {
      analysis::FoldedText folded = analysis::Fold(message.text);
      benchmark::DoNotOptimize(folded);
    }
  }
  state.SetItemsProcessed(state.iterations() *
                          static_cast<int64_t>(corpus.size()));
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(CorpusBytes()));
}
BENCHMARK(BM_Fold)->Unit(benchmark::kMicrosecond);

// One message of 1 MiB (the pipeline's default cap), made of corpus messages
// end to end and cut at a character boundary.
core::Message LargeMessage() {
  constexpr size_t kSize = size_t{1} << 20;
  core::Message message;
  message.id = "large";
  message.sender = "Bench Sender";
  while (message.text.size() < kSize) {
    for (const core::Message& m : Corpus()) {
      message.text += m.text;
      message.text += "\n\n";
    }
  }
  size_t end = kSize;
  while (end > 0 &&
         (static_cast<unsigned char>(message.text[end]) & 0xC0) == 0x80) {
    --end;
  }
  message.text.resize(end);
  return message;
}

void BM_PipelineLargeMessage(benchmark::State& state) {
  if (!HaveCorpus(state)) return;
  const std::unique_ptr<analysis::Pipeline> pipeline =
      analysis::NewRulesPipeline();
  const core::Profile profile = core::DefaultProfile();
  const core::Message message = LargeMessage();
  for (auto _ : state) {
    absl::StatusOr<core::Analysis> analysis =
        pipeline->Analyze(message, profile);
    benchmark::DoNotOptimize(analysis);
  }
  state.SetBytesProcessed(state.iterations() *
                          static_cast<int64_t>(message.text.size()));
}
BENCHMARK(BM_PipelineLargeMessage)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace lia::bench

BENCHMARK_MAIN();
