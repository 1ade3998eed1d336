#pragma once

// A private PostgreSQL server in a directory of its own, for tests that stop
// and start the database under a running lia. Stop() is an immediate
// shutdown (as a crash: connections are cut, nothing is flushed politely);
// Start() again on the same port and data. Needs the server binaries
// (LIA_TEST_PG_BIN, set by scripts/with-services, else the newest under
// /usr/lib/postgresql). As root the server runs as the postgres user.
// Header-only; tests only.

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "redis_server.h"  // FreeTcpPort

namespace lia::testing {

class PostgresServer {
 public:
  explicit PostgresServer(std::filesystem::path dir)
      : dir_(std::move(dir)), port_(FreeTcpPort()) {
    const char* bin = std::getenv("LIA_TEST_PG_BIN");
    if (bin != nullptr && *bin != '\0') {
      bin_ = bin;
    } else if (std::filesystem::exists("/usr/lib/postgresql")) {
      for (const auto& entry :
           std::filesystem::directory_iterator("/usr/lib/postgresql")) {
        const std::filesystem::path candidate = entry.path() / "bin";
        if (std::filesystem::exists(candidate / "initdb") &&
            candidate.string() > bin_) {
          bin_ = candidate.string();
        }
      }
    }
    as_postgres_ = geteuid() == 0 ? "runuser -u postgres -- " : "";
  }
  ~PostgresServer() { Stop(); }
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  bool available() const { return !bin_.empty(); }
  std::string url() const {
    return "postgresql://lia@127.0.0.1:" + std::to_string(port_) + "/lia";
  }

  // initdb and createdb; false (with the log in dir/initdb.log) on failure.
  bool Init() {
    std::filesystem::create_directories(dir_);
    if (!as_postgres_.empty()) {
      Run("chown postgres: '" + dir_.string() + "'");
    }
    return Run(as_postgres_ + bin_ + "/initdb -D '" + (dir_ / "data").string() +
               "' -U lia --auth=trust -E UTF8 --locale=C.UTF-8 >'" +
               (dir_ / "initdb.log").string() + "' 2>&1") &&
           Start() &&
           Run(as_postgres_ + bin_ + "/createdb -h 127.0.0.1 -p " +
               std::to_string(port_) + " -U lia lia");
  }

  bool Start() {
    running_ = Run(as_postgres_ + bin_ + "/pg_ctl -D '" +
                   (dir_ / "data").string() + "' -l '" +
                   (dir_ / "server.log").string() + "' -w -t 60 start -o '-p " +
                   std::to_string(port_) + " -k " + dir_.string() +
                   " -c listen_addresses=127.0.0.1 -c fsync=off' >/dev/null");
    return running_;
  }

  void Stop() {
    if (!running_) return;
    Run(as_postgres_ + bin_ + "/pg_ctl -D '" + (dir_ / "data").string() +
        "' -m immediate stop >/dev/null 2>&1");
    running_ = false;
  }

 private:
  static bool Run(const std::string& command) {
    return std::system(command.c_str()) == 0;
  }

  std::filesystem::path dir_;
  int port_;
  std::string bin_;
  std::string as_postgres_;
  bool running_ = false;
};

}  // namespace lia::testing
