#pragma once

// Reply drafts from templates, in the message's language (English, Spanish,
// Portuguese), signed with the profile's signature.

#include "core/types.h"

namespace lia::analysis {

// Drafts the reply for an analysis whose classification, follow-up,
// extraction, filters and tier are already set:
// - NEW_OPPORTUNITY, every filter passed, tier above NOT_INTERESTED:
//   interested, asking for what is still unknown (salary, the work week the
//   job requires, the remote policy);
// - NEW_OPPORTUNITY with a failed filter or NOT_INTERESTED: a polite decline
//   that names no internal rule, score or filter;
// - FOLLOW_UP: an answer to the question asked, from the profile where it can
//   (salary expectations, availability, interest), else a holding answer;
// - COURTESY_CLOSE: no reply (kind kNone, empty text).
// Greets the sender by first name when known. Deterministic.
core::Reply DraftReply(const core::Analysis& analysis,
                       const core::Message& message,
                       const core::Profile& profile);

}  // namespace lia::analysis
