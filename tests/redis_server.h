#pragma once

// A private redis-server child process on a free port, for tests that stop
// and start Redis under a running lia. Kill() is SIGKILL (an outage);
// Start() again on the same port (a recovery). Header-only; tests only.

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "lia_server.h"

namespace lia::testing {

// A port nothing listens on right now (the kernel's choice for port 0).
inline int FreeTcpPort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

class RedisServer {
 public:
  explicit RedisServer(std::filesystem::path dir)
      : dir_(std::move(dir)), port_(FreeTcpPort()) {}
  ~RedisServer() { Kill(); }
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  int port() const { return port_; }
  std::string url() const {
    return "redis://127.0.0.1:" + std::to_string(port_);
  }

  // Starts redis-server and waits until it answers PING; false if it does
  // not within 10 s.
  bool Start() {
    pid_ = fork();
    if (pid_ == 0) {
      const std::string port = std::to_string(port_);
      const std::string dir = dir_.string();
      const std::string log = (dir_ / "redis.log").string();
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind",
             "127.0.0.1", "--save", "", "--appendonly", "no", "--dir",
             dir.c_str(), "--logfile", log.c_str(),
             static_cast<char*>(nullptr));
      _exit(127);
    }
    const std::string ping = "redis-cli -p " + std::to_string(port_) +
                             " PING 2>/dev/null | grep -q PONG";
    return WaitFor([&] { return std::system(ping.c_str()) == 0; }, 10);
  }

  void Kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  std::filesystem::path dir_;
  int port_;
  pid_t pid_ = -1;
};

}  // namespace lia::testing
