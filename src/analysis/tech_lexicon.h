#pragma once

// The tech-stack lexicon: several hundred spellings (k8s, Postgres, golang,
// NodeJS, React.js, TS...) mapped to the canonical names of
// shared/corpus/canonical-tech.txt.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace lia::analysis {

class TechLexicon {
 public:
  virtual ~TechLexicon() = default;

  // Canonical names of every technology mentioned in `text` (raw UTF-8 as
  // written), each once, in order of first mention. Respects word boundaries
  // ("cryptography" is no "crypto", "definir" no "DeFi") and, for aliases that
  // are also ordinary words ("Go", "R", "C", "Spring", "Swift", "Rust",
  // "Express", "Excel", "Unity"...), requires the spelling and context that
  // make them a technology ("Java y Go" yes, "let's go" no; "Series C" no).
  // Linear in the size of `text`. Thread-safe.
  virtual std::vector<std::string> Find(std::string_view text) const = 0;

  // The canonical name for one spelling ("k8s" -> "Kubernetes", "react.js" ->
  // "React", "Kubernetes" -> "Kubernetes"); nullopt when unknown. Thread-safe.
  virtual std::optional<std::string> Canonicalize(
      std::string_view spelling) const = 0;

  // Number of distinct spellings known.
  virtual size_t alias_count() const = 0;
};

// The built-in lexicon, built once on first use; never destroyed.
const TechLexicon& DefaultTechLexicon();

}  // namespace lia::analysis
