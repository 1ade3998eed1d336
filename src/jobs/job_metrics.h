#pragma once

// Job-queue metrics (DESIGN §8; the background-jobs issue: "depth by queue
// and state, job duration by type, retries, dead"), registered on an
// obs::Registry:
//
//   jobs_queue_depth{queue,state}        gauge: live jobs, state queued or
//                                        running; "queue" is the job type
//                                        (lia has one queue per type).
//   jobs_by_state{type,state}            gauge: jobs in every state, as the
//                                        table holds them (dead jobs left to
//                                        inspect, succeeded ones not yet
//                                        cleaned up). Not "jobs_total": a
//                                        gauge may not end in _total.
//   jobs_metrics_errors_total            counter: scrapes whose Counts()
//                                        read failed.
//   job_duration_seconds{type,outcome}   histogram: how long an attempt ran.
//   job_attempts_total{type,outcome}     counter: attempts.
//   job_retries_total{type}              counter: failed attempts queued
//                                        again.
//   jobs_dead_total{type}                counter: jobs dead after their last
//                                        allowed attempt.
//   jobs_failed_total{type}              counter: jobs failed for good with
//                                        a status not worth retrying.
//
// outcome is "succeeded" or "failed". The two gauges are read from the
// queue at scrape time, so they count the jobs of every process on the
// database; the counters and the histogram count the attempts of this
// process's workers only (Observe), since it started.

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace lia::obs {
class Registry;
}  // namespace lia::obs

namespace lia::jobs {

class Clock;
class JobQueue;
struct Job;

// 5 ms to 10 min: the HTTP latency buckets, then the minutes a digest or a
// scrape may take.
std::vector<double> DefaultJobDurationBuckets();

struct JobMetricsOptions {
  // Default none. Job types (TaskRegistry::Types()) exposed from the start:
  // their depth and state gauges read 0 rather than being absent when no
  // job of the type exists, and their counters start at 0, so rate() and
  // alerts see the first increase. Types met later are added as they come.
  std::vector<std::string> types;
  // Default DefaultJobDurationBuckets(). Upper bounds of
  // job_duration_seconds, in seconds.
  std::vector<double> duration_buckets = DefaultJobDurationBuckets();
  // Default 1 s. One JobQueue::Counts() read serves every scrape within
  // this long of it: the two gauges of a scrape share one read, and
  // scrapers polling together (a pair of Prometheus servers) do not
  // multiply the load on the database.
  absl::Duration counts_max_age = absl::Seconds(1);
  // Default SystemClock(). Not owned; must outlive the metrics. Dates the
  // Counts() reads.
  Clock* clock = nullptr;
};

// Thread-safe. At most one JobMetrics per registry at a time: a second one
// takes over the gauges' callbacks, and destroying either removes them.
class JobMetrics {
 public:
  // Registers the families (or takes the registry's existing ones of the
  // same shape). AlreadyExists when one of the names is registered with
  // another type, help or labels; InvalidArgument for bad buckets. The
  // registry and the queue must outlive the metrics.
  static absl::StatusOr<std::unique_ptr<JobMetrics>> Create(
      obs::Registry& registry, JobQueue& queue, JobMetricsOptions options = {});

  // Removes the gauges' callbacks, waiting for a scrape running them; the
  // registry keeps exposing the counters and the histogram.
  ~JobMetrics();
  JobMetrics(const JobMetrics&) = delete;
  JobMetrics& operator=(const JobMetrics&) = delete;

  // Records one attempt; the signature of WorkerPoolOptions::on_attempt.
  // `after_failure` is the job as Fail left it (queued again: a retry;
  // dead; failed), or null when the attempt succeeded or its failure was
  // not recorded (the job runs again when its lease ends, and that attempt
  // is counted then). Quick: a few atomic updates, under the families'
  // reader locks once a type's series exist.
  void Observe(const Job& job, const absl::Status& outcome, absl::Duration took,
               const Job* after_failure);

 private:
  struct Impl;
  explicit JobMetrics(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace lia::jobs
