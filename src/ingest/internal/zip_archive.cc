#include "ingest/internal/zip_archive.h"

#include <zip.h>

#include <algorithm>
#include <memory>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "ingest/internal/ascii.h"

namespace lia::ingest::internal {
namespace {

struct ArchiveCloser {
  void operator()(zip_t* archive) const { zip_discard(archive); }
};
struct FileCloser {
  void operator()(zip_file_t* file) const { zip_fclose(file); }
};

std::string_view BaseName(std::string_view path) {
  const size_t slash = path.find_last_of("/\\");
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

}  // namespace

bool LooksLikeZip(std::string_view bytes) {
  return bytes.starts_with(std::string_view("PK\x03\x04", 4)) ||
         bytes.starts_with(std::string_view("PK\x05\x06", 4));
}

absl::StatusOr<std::string> ExtractFromZip(std::string_view zip,
                                           std::string_view wanted,
                                           int64_t max_bytes) {
  const std::string file_name(wanted);
  zip_error_t error;
  zip_error_init(&error);
  // The buffer source reads the caller's bytes in place (freep = 0).
  zip_source_t* source =
      zip_source_buffer_create(zip.data(), zip.size(), 0, &error);
  if (source == nullptr) {
    const std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    return absl::InvalidArgumentError(
        absl::StrCat("not a zip archive: ", text));
  }
  std::unique_ptr<zip_t, ArchiveCloser> archive(
      zip_open_from_source(source, ZIP_RDONLY, &error));
  if (archive == nullptr) {
    zip_source_free(source);  // Still ours when the open fails.
    const std::string text = zip_error_strerror(&error);
    zip_error_fini(&error);
    return absl::InvalidArgumentError(
        absl::StrCat("not a readable zip archive: ", text));
  }
  zip_error_fini(&error);

  const zip_int64_t entries = zip_get_num_entries(archive.get(), 0);
  zip_int64_t best = -1;
  size_t best_depth = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    const char* name = zip_get_name(archive.get(), static_cast<zip_uint64_t>(i),
                                    ZIP_FL_ENC_GUESS);
    if (name == nullptr) continue;
    const std::string_view path(name);
    if (!EqualsIgnoreCase(BaseName(path), file_name)) continue;
    const size_t depth =
        static_cast<size_t>(std::count(path.begin(), path.end(), '/') +
                            std::count(path.begin(), path.end(), '\\'));
    if (best < 0 || depth < best_depth) {
      best = i;
      best_depth = depth;
    }
  }
  if (best < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("no ", file_name, " in the archive"));
  }
  const auto index = static_cast<zip_uint64_t>(best);

  zip_stat_t stat;
  zip_stat_init(&stat);
  if (zip_stat_index(archive.get(), index, 0, &stat) == 0 &&
      (stat.valid & ZIP_STAT_SIZE) != 0 &&
      stat.size > static_cast<zip_uint64_t>(max_bytes)) {
    return absl::InvalidArgumentError(
        absl::StrCat(file_name, " is ", stat.size,
                     " bytes uncompressed; the limit is ", max_bytes));
  }
  std::unique_ptr<zip_file_t, FileCloser> file(
      zip_fopen_index(archive.get(), index, 0));
  if (file == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read ", file_name,
                     " in the archive: ", zip_strerror(archive.get())));
  }
  std::string out;
  if ((stat.valid & ZIP_STAT_SIZE) != 0) {
    out.reserve(static_cast<size_t>(stat.size));
  }
  char buffer[64 * 1024];
  while (true) {
    const zip_int64_t n = zip_fread(file.get(), buffer, sizeof(buffer));
    if (n < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("cannot read ", file_name,
                       " in the archive: ", zip_file_strerror(file.get())));
    }
    if (n == 0) break;
    if (static_cast<int64_t>(out.size()) + n > max_bytes) {
      return absl::InvalidArgumentError(absl::StrCat(
          file_name, " inflates past the limit of ", max_bytes, " bytes"));
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  return out;
}

}  // namespace lia::ingest::internal
