#pragma once

// lia's configuration file (TOML): the analysis options a user may tune —
// tier thresholds, the filter penalty, exchange rates, annualisation. See
// config/lia.example.toml and docs/configuration.md.

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "analysis/pipeline.h"
#include "nlohmann/json_fwd.hpp"

namespace lia::app {

// Parses a configuration on top of the defaults. InvalidArgument naming the
// key and line for a syntax error, an unknown key, a wrong type or a value out
// of range ("config line 4: tiers.low: expected an integer from 0 to 100").
absl::StatusOr<analysis::PipelineOptions> ParseConfigToml(
    std::string_view toml);

// Reads a file; NotFound when it does not exist.
absl::StatusOr<analysis::PipelineOptions> LoadConfigFile(
    const std::string& path);

// The flag, else $LIA_CONFIG, else ./lia.toml when it exists, else defaults.
absl::StatusOr<analysis::PipelineOptions> ResolveConfig(
    const std::string& flag);

// The effective options as JSON, for `lia config`.
nlohmann::json ConfigToJson(const analysis::PipelineOptions& options);

}  // namespace lia::app
