#pragma once

// Message bodies as LinkedIn exports them — HTML in newer exports, plain
// text in older ones — turned into the plain text the analysis reads.

#include <string>
#include <string_view>

namespace lia::ingest::internal {

// Linear in the input and safe on any bytes; the result is valid UTF-8.
// - <br> and block ends become line breaks, </p> a blank line; other known
//   tags are dropped (unknown ones, like "<jane@example.com>", are kept as
//   text); <script>/<style> bodies and comments are dropped;
// - a link whose text is not its address keeps the address: "the role
//   (https://...)", since the posting it points to is part of the message;
// - named entities (the common ones) and numeric ones are decoded; &nbsp;
//   is a plain space;
// - CRLF and CR become LF, runs of spaces and tabs one space, lines are
//   trimmed, at most one blank line is kept, and the ends are trimmed;
// - NULs and other control characters become spaces, invalid UTF-8 U+FFFD.
std::string HtmlToText(std::string_view html);

// Cleans a one-line field (a name, a title, an id): invalid UTF-8 to U+FFFD,
// control characters and line breaks to spaces, white space collapsed and
// trimmed.
std::string CleanField(std::string_view field);

}  // namespace lia::ingest::internal
