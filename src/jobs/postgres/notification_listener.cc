// The listener's thread waits in poll() on two descriptors: the LISTEN
// connection's socket and an eventfd the destructor writes to, so stopping
// never waits for a notification or a timeout. pqxx's get_notifs() then
// reads what arrived and calls the Receiver for each notification.
//
// libpqxx 6 would reconnect a broken connection by itself on its next use
// and issue LISTEN again, silently; the listener never lets it: a
// connection that broke is closed and replaced, so that the subscribers
// hear about every reconnection (WakeAll).

#include "jobs/postgres/notification_listener.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include <pqxx/pqxx>

#include "store/postgres/pool.h"

namespace lia::store::postgres_internal {
namespace {

// How long the connection may stay silent before it is probed with a query:
// a peer that vanished without closing the socket (a cut network, a killed
// host) is noticed within this time.
constexpr absl::Duration kProbeInterval = absl::Seconds(15);

int PollMillis(absl::Duration d) {
  return static_cast<int>(
      std::clamp<int64_t>(absl::ToInt64Milliseconds(d), 0, 60'000));
}

}  // namespace

class NotificationListener::Subscription final : public jobs::WorkSubscription {
 public:
  Subscription(NotificationListener* listener, int64_t id)
      : listener_(listener), id_(id) {}
  ~Subscription() override { listener_->Unsubscribe(id_); }

 private:
  NotificationListener* const listener_;
  const int64_t id_;
};

// Registered on one connection; pqxx issues LISTEN when it is made.
class NotificationListener::Receiver final
    : public pqxx::notification_receiver {
 public:
  Receiver(pqxx::connection& connection, NotificationListener* listener)
      : pqxx::notification_receiver(connection, postgres::kJobsChannel),
        listener_(listener) {}

  void operator()(const std::string& /*payload*/,
                  int /*backend_pid*/) override {
    listener_->WakeAll();
  }

 private:
  NotificationListener* const listener_;
};

NotificationListener::NotificationListener(std::string connection_string,
                                           std::string application_name,
                                           absl::Duration reconnect_delay)
    : connection_string_(std::move(connection_string)),
      application_name_(std::move(application_name)),
      reconnect_delay_(reconnect_delay) {}

NotificationListener::~NotificationListener() {
  std::thread thread;
  int stop_fd = -1;
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
    thread = std::move(thread_);
    stop_fd = stop_fd_;
  }
  if (stop_fd >= 0) {
    const uint64_t one = 1;
    // Cannot fail short of a bad descriptor: the counter is far from full.
    [[maybe_unused]] ssize_t written = write(stop_fd, &one, sizeof(one));
  }
  if (thread.joinable()) thread.join();
  if (stop_fd >= 0) close(stop_fd);
}

std::unique_ptr<jobs::WorkSubscription> NotificationListener::Subscribe(
    std::function<void()> wake) {
  {
    absl::MutexLock lock(&mu_);
    if (!started_) {
      if (stopping_) return nullptr;
      stop_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
      if (stop_fd_ < 0) return nullptr;
      started_ = true;
      thread_ = std::thread([this] { Run(); });
    }
  }
  absl::MutexLock lock(&calls_mu_);
  const int64_t id = next_id_++;
  subscribers_.emplace(id, std::move(wake));
  return std::make_unique<Subscription>(this, id);
}

void NotificationListener::Unsubscribe(int64_t id) {
  absl::MutexLock lock(&calls_mu_);
  subscribers_.erase(id);
}

void NotificationListener::WakeAll() {
  absl::MutexLock lock(&calls_mu_);
  for (const auto& [id, wake] : subscribers_) wake();
}

bool NotificationListener::stopping() const {
  absl::MutexLock lock(&mu_);
  return stopping_;
}

bool NotificationListener::WaitForStop(absl::Duration timeout) {
  int stop_fd = -1;
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return true;
    stop_fd = stop_fd_;
  }
  // Ends early when the destructor writes to stop_fd (or on a signal, which
  // only shortens the wait).
  pollfd fd{stop_fd, POLLIN, 0};
  poll(&fd, 1, PollMillis(timeout));
  return stopping();
}

void NotificationListener::Run() {
  bool connected_before = false;
  while (!stopping()) {
    if (ListenOnce(connected_before)) {
      connected_before = true;
      continue;  // Broke after working: reconnect at once.
    }
    if (WaitForStop(reconnect_delay_)) return;
  }
}

bool NotificationListener::ListenOnce(bool reconnecting) {
  int stop_fd = -1;
  {
    absl::MutexLock lock(&mu_);
    stop_fd = stop_fd_;
  }
  std::unique_ptr<pqxx::connection> connection;
  std::unique_ptr<Receiver> receiver;
  // Closed before the receiver goes, which would otherwise UNLISTEN on it
  // (and on a broken connection make libpqxx reconnect to do so).
  auto drop = [&] {
    if (connection != nullptr) connection->disconnect();
    receiver.reset();
    connection.reset();
  };
  try {
    connection = std::make_unique<pqxx::connection>(connection_string_);
    {
      pqxx::nontransaction tx(*connection);
      tx.exec_params("SELECT set_config('application_name', $1, false)",
                     application_name_);
    }
    receiver = std::make_unique<Receiver>(*connection, this);
    // A LISTEN that failed on a broken connection is swallowed by libpqxx.
    if (!connection->is_open()) {
      drop();
      return false;
    }
    connection->get_notifs();
  } catch (...) {
    drop();
    return false;
  }
  // Jobs queued while there was no connection were notified to nobody.
  if (reconnecting) WakeAll();

  absl::Time last_heard = absl::Now();
  while (!stopping()) {
    const int sock = connection->sock();
    if (sock < 0) break;
    pollfd fds[2] = {{sock, POLLIN, 0}, {stop_fd, POLLIN, 0}};
    const int ready =
        poll(fds, 2, PollMillis(last_heard + kProbeInterval - absl::Now()));
    if (ready < 0) {
      if (errno == EINTR) continue;
      break;
    }
    if (fds[1].revents != 0) break;  // Stopping.
    try {
      if (ready == 0) {
        // Quiet for a while: make sure the server is still there.
        pqxx::nontransaction tx(*connection);
        tx.exec("SELECT 1");
      }
      // Also what a query's reply carried along: libpq keeps it, and the
      // socket will not show it again.
      connection->get_notifs();
    } catch (...) {
      break;
    }
    if (!connection->is_open()) break;
    last_heard = absl::Now();
  }
  drop();
  return true;
}

}  // namespace lia::store::postgres_internal
