#pragma once

// A `lia serve` (or `lia worker`) child process on a directory's lia.db and
// profile.yaml, for tests that drive the real binary. Kill() is kill -9;
// Stop() is SIGTERM. LIA_BINARY is the path of the binary under test.

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace lia::testing {

// Polls `done` every 20 ms until it holds or `seconds` pass (real
// processes on shared machines: generous by default).
inline bool WaitFor(const std::function<bool()>& done, int seconds = 60) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return done();
}

class LiaServer {
 public:
  // `env`: extra "NAME=value" entries. `command`: "serve" or "worker".
  explicit LiaServer(const std::filesystem::path& dir,
                     std::vector<std::string> env = {},
                     std::string command = "serve")
      : env_(std::move(env)) {
    int out[2];
    if (pipe(out) != 0) std::abort();
    pid_ = fork();
    if (pid_ == 0) {
      dup2(out[1], STDOUT_FILENO);
      close(out[0]);
      // The JSON log lines go to a file beside the database, not into the
      // test's output.
      const std::string log = (dir / (command + ".log")).string();
      const int log_fd =
          ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
      if (log_fd >= 0) dup2(log_fd, STDERR_FILENO);
      const std::string db = "sqlite://" + (dir / "lia.db").string();
      const std::string profile = (dir / "profile.yaml").string();
      setenv("LIA_DATABASE_URL", db.c_str(), 1);
      setenv("LIA_PROFILE", profile.c_str(), 1);
      setenv("LIA_LISTEN", "127.0.0.1:0", 1);
      unsetenv("LIA_CONFIG");
      unsetenv("LIA_API_TOKEN");
      unsetenv("LIA_WORKERS");
      for (std::string& e : env_) putenv(e.data());
      execl(LIA_BINARY, LIA_BINARY, command.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    close(out[1]);
    // "lia serve: listening on http://127.0.0.1:PORT (database ...)" or
    // "lia worker: N workers on ...".
    std::string line;
    char c;
    while (read(out[0], &c, 1) == 1 && c != '\n') line += c;
    first_line_ = line;
    stdout_fd_ = out[0];
    const size_t colon = line.rfind(':', line.find(" (database"));
    if (command == "serve") {
      port_ =
          colon == std::string::npos ? 0 : std::atoi(line.c_str() + colon + 1);
    }
  }
  ~LiaServer() {
    if (pid_ > 0) Kill();
    if (stdout_fd_ >= 0) close(stdout_fd_);
  }
  LiaServer(const LiaServer&) = delete;
  LiaServer& operator=(const LiaServer&) = delete;

  int port() const { return port_; }
  const std::string& first_line() const { return first_line_; }
  void Kill() {
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }
  // SIGTERM; the exit code, or -1 when it did not exit normally.
  int Stop() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  }

 private:
  std::vector<std::string> env_;  // putenv keeps pointers into these.
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
  int port_ = 0;
  std::string first_line_;
};

}  // namespace lia::testing
