#pragma once

// Hard filters, scores and tiers (DESIGN §1.3): deterministic arithmetic over
// the extracted fields and the profile, whichever engine extracted them.
// docs/scoring.md explains every rule with worked examples.

#include <vector>

#include "core/types.h"

namespace lia::analysis {

struct TierThresholds {
  int high_priority = 75;  // Default 75. total >= this: HIGH_PRIORITY.
  int interesting = 50;    // Default 50. total >= this: INTERESTING.
  int low = 30;  // Default 30. total >= this: LOW; else NOT_INTERESTED.
};

struct ScoringOptions {
  TierThresholds tiers;
  int filter_penalty = 40;  // Default 40. Points a failed hard filter costs.
};

// Checks the profile's hard requirements against a new opportunity:
// minimum_salary (when a yearly USD figure is known), remote_policy (the
// profile wants Remote and the job is Hybrid/Onsite), work_week (the profile
// wants 4-days and the job states 5-days), avoided_company, and every
// job_search_status.reject_if rule. One result per rule checked, passed or
// not; a failed one names its reason in a sentence and carries its penalty.
std::vector<core::FilterResult> ApplyFilters(const core::Extraction& job,
                                             const core::Profile& profile,
                                             const ScoringOptions& options);

// tech 0-40, salary 0-30, seniority 0-20, company 0-10, minus the penalties
// of failed filters, clamped to 0..100, each part with a sentence of reason.
core::Scores Score(const core::Extraction& job, const core::Profile& profile,
                   const std::vector<core::FilterResult>& filters);

core::Tier TierFor(int total, const TierThresholds& thresholds);

}  // namespace lia::analysis
