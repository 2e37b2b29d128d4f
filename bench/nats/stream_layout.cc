// stream_layout.cc: nats_stream_layout, the measurement behind lull's JetStream layout: one
// stream per partition (LAYOUT_<p> capturing layout.part.<p>.*, the shape of TICKS_<p> made by
// `lulld nats setup`) against one shared stream (LAYOUT_SHARED, layout.shared.<p>.<key>) read
// by one filtered consumer per partition. Why: on nats-server 2.9 a filtered consumer walks
// the whole stream to find its subjects, so replaying one partition reads past all P. Measured:
// the replay of partition 0 alone (a takeover) and all P read at once by P threads (an
// instance starting up with every partition). Every wait is bounded by kStallLimit.
#include <nats/nats.h>

#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <latch>
#include <limits>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"

namespace {

namespace nats = lull::daemon::nats;
using Clock = std::chrono::steady_clock;

// No message (or publish ack) for this long is a failure, never a longer wait.
constexpr auto kStallLimit = std::chrono::seconds(10);
constexpr std::int64_t kFetchExpiresMs = 1000;
// Long enough to outlive any measurement; a consumer left behind by a failed run is removed
// by the server after it.
constexpr std::int64_t kConsumerInactiveNs = 60LL * 1'000'000'000;
// Async publishes in flight: enough to keep the server busy on loopback, few enough that a
// stall is noticed (and the reply map stays small).
constexpr std::int64_t kMaxPendingPublishes = 4096;
constexpr std::size_t kTickBytes = 120;  // every tick padded to this, the same in both layouts
constexpr std::uint32_t kMaxPartitions = 1024;  // one thread each in all-partitions
constexpr const char* kSharedStream = "LAYOUT_SHARED";

constexpr const char kUsage[] =
    "usage: nats_stream_layout --url nats://127.0.0.1:PORT [--partitions P (8)]\n"
    "         [--messages M (400000)] [--keys K (10000)] [--batch B (500)] [--repeats R (3)]\n"
    "Creates LAYOUT_SHARED and LAYOUT_0..LAYOUT_{P-1} on the server (deleting old ones),\n"
    "publishes M ticks to both, and times reading them back per layout.\n";

struct Options {
  std::string url;
  std::uint32_t partitions = 8;
  std::uint64_t messages = 400'000;
  std::uint32_t keys = 10'000;
  int batch = 500;
  int repeats = 3;
};

// `text` as a whole number in [1, max]; false for anything else.
template <class T>
bool parse_number(const char* text, T max, T& out) {
  T value{};
  const char* end = text + std::strlen(text);
  const auto [at, error] = std::from_chars(text, end, value);
  if (error != std::errc() || at != end || value < 1 || value > max) return false;
  out = value;
  return true;
}

std::optional<Options> parse_options(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; i += 2) {
    const std::string_view name = argv[i];
    const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
    bool ok = true;
    if (value == nullptr) {
      ok = false;
    } else if (name == "--url") {
      options.url = value;
    } else if (name == "--partitions") {
      ok = parse_number(value, kMaxPartitions, options.partitions);
    } else if (name == "--messages") {
      ok = parse_number(value, std::numeric_limits<std::uint64_t>::max(), options.messages);
    } else if (name == "--keys") {
      ok = parse_number(value, std::numeric_limits<std::uint32_t>::max(), options.keys);
    } else if (name == "--batch") {
      ok = parse_number(value, std::numeric_limits<int>::max(), options.batch);
    } else if (name == "--repeats") {
      ok = parse_number(value, std::numeric_limits<int>::max(), options.repeats);
    } else {
      ok = false;
    }
    if (!ok) {
      std::fprintf(stderr, "nats_stream_layout: bad option %s%s%s\n", argv[i], value ? " " : "",
                   value ? value : " (no value)");
      return std::nullopt;
    }
  }
  if (options.url.empty()) {
    std::fprintf(stderr, "nats_stream_layout: --url is required\n");
    return std::nullopt;
  }
  return options;
}

double seconds(Clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// One of the two layouts as a reader sees it: partition p is in stream(p) under subjects(p).
struct Layout {
  const char* name;
  bool shared;
  std::string stream(std::uint32_t p) const {
    return shared ? kSharedStream : "LAYOUT_" + std::to_string(p);
  }
  std::string subjects(std::uint32_t p) const {
    return (shared ? "layout.shared." : "layout.part.") + std::to_string(p) + ".*";
  }
};

// Deletes the stream if it is there (a previous run), then creates it empty.
void recreate_stream(jsCtx& js, const std::string& name, const std::string& subject) {
  jsErrCode code{};
  const natsStatus deleted = js_DeleteStream(&js, name.c_str(), nullptr, &code);
  if (deleted != NATS_OK && deleted != NATS_NOT_FOUND && code != JSStreamNotFoundErr) {
    nats::check(deleted, "delete stream " + name, code);
  }
  jsStreamConfig config;
  nats::check(jsStreamConfig_Init(&config), "stream config");
  const char* subjects[] = {subject.c_str()};
  config.Name = name.c_str();
  config.Subjects = subjects;
  config.SubjectsLen = 1;
  config.Storage = js_FileStorage;
  config.Retention = js_LimitsPolicy;
  config.Replicas = 1;
  code = {};
  nats::check(js_AddStream(nullptr, &js, &config, nullptr, &code), "create stream " + name, code);
}

void create_streams(jsCtx& js, std::uint32_t partitions) {
  recreate_stream(js, kSharedStream, "layout.shared.*.*");
  const Layout per_partition{"per-partition", false};
  for (std::uint32_t p = 0; p < partitions; ++p) {
    recreate_stream(js, per_partition.stream(p), per_partition.subjects(p));
  }
}

// Counts publish acks; libnats calls on_ack on its own thread, before the publish leaves its
// pending count, so js_PublishAsyncComplete returns only after the last on_ack.
struct AckCounter {
  std::atomic<std::uint64_t> acked{0};
  std::atomic<std::uint64_t> failed{0};
  std::mutex mutex;
  std::string first_error;  // under `mutex`

  static void on_ack(jsCtx*, natsMsg* message, jsPubAck* ack, jsPubAckErr* error, void* closure) {
    auto& counter = *static_cast<AckCounter*>(closure);
    if (ack != nullptr) {
      counter.acked.fetch_add(1, std::memory_order_relaxed);
    } else {
      counter.failed.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard lock(counter.mutex);
      if (counter.first_error.empty()) {
        counter.first_error = std::string(natsMsg_GetSubject(message)) + ": " +
                              (error->ErrText ? error->ErrText : natsStatus_GetText(error->Err));
      }
    }
    natsMsg_Destroy(message);
  }
};

// Tick `seq` as an NDJSON line of exactly kTickBytes, padded by a "pad" field.
std::string tick(std::uint64_t seq, const std::string& key) {
  char line[kTickBytes + 64];
  const auto ts = std::chrono::system_clock::now().time_since_epoch();
  const int length = std::snprintf(
      line, sizeof line, R"({"seq":%llu,"ts":%lld,"key":"%s","type":"tick","price":%.2f,"pad":")",
      static_cast<unsigned long long>(seq),
      static_cast<long long>(std::chrono::nanoseconds(ts).count()), key.c_str(),
      100.0 + static_cast<double>(seq % 1000) / 100.0);
  std::string text(line, static_cast<std::size_t>(std::max(length, 0)));
  if (text.size() + 2 < kTickBytes) text.append(kTickBytes - 2 - text.size(), 'x');
  text += "\"}";
  return text;
}

void publish(jsCtx& js, const std::string& subject, const std::string& data) {
  // NATS_TIMEOUT here: MaxPending stayed full for StallWait (kStallLimit), no ack came back.
  nats::check(
      js_PublishAsync(&js, subject.c_str(), data.data(), static_cast<int>(data.size()), nullptr),
      "publish to " + subject);
}

// Waits for every publish's ack, failing once kStallLimit passes without a new one.
void wait_for_acks(jsCtx& js, AckCounter& counter) {
  jsPubOptions options;
  nats::check(jsPubOptions_Init(&options), "publish options");
  options.MaxWait = 1000;  // ms per look; progress is judged here
  auto resolved = [&] { return counter.acked.load() + counter.failed.load(); };
  std::uint64_t seen = resolved();
  auto progress_at = Clock::now();
  for (;;) {
    const natsStatus status = js_PublishAsyncComplete(&js, &options);
    if (status == NATS_OK) break;
    if (status != NATS_TIMEOUT) nats::check(status, "waiting for publish acks");
    if (resolved() != seen) {
      seen = resolved();
      progress_at = Clock::now();
    } else if (Clock::now() - progress_at > kStallLimit) {
      throw std::runtime_error("no publish ack for 10 s (" + std::to_string(seen) +
                               " resolved so far)");
    }
  }
  if (counter.failed.load() != 0) {
    std::lock_guard lock(counter.mutex);
    throw std::runtime_error(std::to_string(counter.failed.load()) +
                             " publishes failed; first: " + counter.first_error);
  }
}

// Publishes the M ticks to both layouts; returns how many went to each partition.
std::vector<std::uint64_t> publish_ticks(natsConnection& connection, const Options& options) {
  // Static: after a failure has thrown, libnats may still call on_ack for what was in flight.
  static AckCounter counter;
  jsOptions js_options;
  nats::check(jsOptions_Init(&js_options), "jetstream options");
  js_options.PublishAsync.MaxPending = kMaxPendingPublishes;
  js_options.PublishAsync.StallWait = std::chrono::milliseconds(kStallLimit).count();
  js_options.PublishAsync.AckHandler = &AckCounter::on_ack;
  js_options.PublishAsync.AckHandlerClosure = &counter;
  jsCtx* raw = nullptr;
  nats::check(natsConnection_JetStream(&raw, &connection, &js_options), "jetstream context");
  nats::JetStream js(raw);

  std::vector<std::string> keys(options.keys);
  std::vector<std::uint32_t> partition(options.keys);
  for (std::uint32_t k = 0; k < options.keys; ++k) {
    keys[k] = "k" + std::to_string(k);
    partition[k] = nats::partition_of(keys[k], options.partitions);
  }
  std::vector<std::uint64_t> counts(options.partitions, 0);
  for (std::uint64_t i = 0; i < options.messages; ++i) {
    const auto k = static_cast<std::uint32_t>(i % options.keys);
    const std::string p = std::to_string(partition[k]);
    const std::string data = tick(i, keys[k]);
    publish(*js, "layout.shared." + p + "." + keys[k], data);
    publish(*js, "layout.part." + p + "." + keys[k], data);
    ++counts[partition[k]];
  }
  wait_for_acks(*js, counter);
  return counts;
}

nats::StreamInfo stream_info(jsCtx& js, const std::string& stream) {
  jsStreamInfo* raw = nullptr;
  jsErrCode code{};
  nats::check(js_GetStreamInfo(&raw, &js, stream.c_str(), nullptr, &code), "stream info " + stream,
              code);
  return nats::StreamInfo(raw);
}

// Every stream holds exactly what was published to it, or the timings below mean nothing.
void check_stored(jsCtx& js, const std::vector<std::uint64_t>& counts, std::uint64_t messages) {
  std::string wrong;
  auto expect = [&](const std::string& stream, std::uint64_t want) {
    const std::uint64_t have = stream_info(js, stream)->State.Msgs;
    if (have != want) {
      wrong += "\n  " + stream + ": " + std::to_string(have) + " stored, " + std::to_string(want) +
               " published";
    }
  };
  expect(kSharedStream, messages);
  const Layout per_partition{"per-partition", false};
  for (std::uint32_t p = 0; p < counts.size(); ++p) expect(per_partition.stream(p), counts[p]);
  if (!wrong.empty()) throw std::runtime_error("streams do not hold what was published:" + wrong);
}

// Reads the `expected` messages of partition p through a new ephemeral pull consumer, as a
// takeover does, and returns when the last one arrived. The consumer is deleted afterwards,
// outside the time. Throws when kStallLimit passes without a message.
Clock::time_point read_partition(jsCtx& js, const Layout& layout, std::uint32_t p,
                                 std::uint64_t expected, int batch) {
  const std::string stream = layout.stream(p);
  const std::string subjects = layout.subjects(p);
  jsSubOptions options;
  nats::check(jsSubOptions_Init(&options), "subscribe options");
  options.Stream = stream.c_str();
  options.Config.AckPolicy = js_AckNone;
  options.Config.DeliverPolicy = js_DeliverAll;
  options.Config.InactiveThreshold = kConsumerInactiveNs;
  // libnats makes `subjects` the consumer's FilterSubject in both layouts. On LAYOUT_<p> it is
  // the stream's only subject: 2.9 still matches each message against it (filestore.go,
  // firstMatching) but skips none. lulld's fetcher subscribes the same way.
  natsSubscription* raw = nullptr;
  jsErrCode code{};
  nats::check(js_PullSubscribe(&raw, &js, subjects.c_str(), nullptr, nullptr, &options, &code),
              "pull consumer on " + stream + " for " + subjects, code);
  nats::Subscription subscription(raw);

  const std::string prefix = subjects.substr(0, subjects.size() - 1);  // "layout.part.3."
  std::uint64_t received = 0;
  auto last = Clock::now();
  while (received < expected) {
    natsMsgList list{};
    code = {};
    const natsStatus status =
        natsSubscription_Fetch(&list, subscription.get(), batch, kFetchExpiresMs, &code);
    int foreign = 0;  // a message of another partition: the filter did not hold
    for (int i = 0; i < list.Count; ++i) {
      const char* subject = natsMsg_GetSubject(list.Msgs[i]);
      if (std::strncmp(subject, prefix.c_str(), prefix.size()) != 0) ++foreign;
    }
    const int count = list.Count;
    natsMsgList_Destroy(&list);
    if (status != NATS_OK && status != NATS_TIMEOUT) {
      nats::check(status, "fetch from " + stream, code);
    }
    if (foreign != 0) {
      throw std::runtime_error(stream + " for " + subjects + ": " + std::to_string(foreign) +
                               " messages of other partitions");
    }
    if (count > 0) {
      received += static_cast<std::uint64_t>(count);
      last = Clock::now();
    } else if (Clock::now() - last > kStallLimit) {
      throw std::runtime_error(stream + " for " + subjects + ": no message for 10 s after " +
                               std::to_string(received) + " of " + std::to_string(expected));
    }
  }
  if (received != expected) {
    throw std::runtime_error(stream + " for " + subjects + ": " + std::to_string(received) +
                             " messages, " + std::to_string(expected) + " published");
  }
  // Since libnats 3.4 only Unsubscribe deletes the consumer (Destroy leaves it to the
  // InactiveThreshold); a failure here costs nothing measured, so it is not checked.
  natsSubscription_Unsubscribe(subscription.get());
  return last;
}

// Consumers still on the layout streams: 0 unless an Unsubscribe failed to delete one.
std::int64_t consumers_left(jsCtx& js, std::uint32_t partitions) {
  std::int64_t left = stream_info(js, kSharedStream)->State.Consumers;
  const Layout per_partition{"per-partition", false};
  for (std::uint32_t p = 0; p < partitions; ++p) {
    left += stream_info(js, per_partition.stream(p))->State.Consumers;
  }
  return left;
}

double replay_one(jsCtx& js, const Layout& layout, std::uint64_t expected, int batch) {
  const auto start = Clock::now();
  return seconds(read_partition(js, layout, 0, expected, batch) - start);
}

// P threads, thread p reading partition p; from their common start to the last one done.
double all_partitions(jsCtx& js, const Layout& layout, const std::vector<std::uint64_t>& counts,
                      int batch) {
  const auto partitions = static_cast<std::uint32_t>(counts.size());
  std::vector<Clock::time_point> done(partitions);
  std::vector<std::exception_ptr> errors(partitions);
  std::latch go(1);  // the threads are made outside the time
  std::vector<std::thread> threads;
  for (std::uint32_t p = 0; p < partitions; ++p) {
    threads.emplace_back([&, p] {
      go.wait();
      try {
        done[p] = read_partition(js, layout, p, counts[p], batch);
      } catch (...) {
        errors[p] = std::current_exception();
      }
    });
  }
  const auto start = Clock::now();
  go.count_down();
  for (auto& thread : threads) thread.join();
  for (const auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return seconds(*std::max_element(done.begin(), done.end()) - start);
}

struct Result {
  const Layout* layout;
  const char* measurement;
  double seconds;
  std::uint64_t messages;
};

void print_row(const char* layout, const char* measurement, const std::string& repeat,
               double seconds, std::uint64_t messages) {
  std::printf("%-14s %-15s %-7s %9.3f %12.0f\n", layout, measurement, repeat.c_str(), seconds,
              static_cast<double>(messages) / seconds);
  std::fflush(stdout);
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const std::size_t middle = values.size() / 2;
  return values.size() % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
}

double median_seconds(const std::vector<Result>& results, const Layout& layout,
                      const char* measurement) {
  std::vector<double> values;
  for (const auto& result : results) {
    if (result.layout == &layout && std::strcmp(result.measurement, measurement) == 0) {
      values.push_back(result.seconds);
    }
  }
  return median(values);
}

void print_machine() {
  std::string server = "unknown";
  if (FILE* pipe = popen("nats-server --version 2>/dev/null", "r")) {
    char line[128] = {};
    if (std::fgets(line, sizeof line, pipe) != nullptr) {
      server = line;
      server.erase(server.find_last_not_of("\r\n") + 1);
    }
    pclose(pipe);
  }
  std::printf("machine: nproc %u; %s (the one on PATH); libnats %s\n",
              std::thread::hardware_concurrency(), server.c_str(), nats_GetVersion());
}

int run(const Options& options) {
  std::printf(
      "nats_stream_layout: %s, partitions %u, messages %llu, keys %u, batch %d, "
      "repeats %d\n",
      options.url.c_str(), options.partitions, static_cast<unsigned long long>(options.messages),
      options.keys, options.batch, options.repeats);
  print_machine();
  nats::Connection connection = nats::connect({options.url}, "nats_stream_layout");
  nats::JetStream js = nats::jetstream(*connection);

  create_streams(*js, options.partitions);
  const auto publish_start = Clock::now();
  const std::vector<std::uint64_t> counts = publish_ticks(*connection, options);
  const double publish_seconds = seconds(Clock::now() - publish_start);
  check_stored(*js, counts, options.messages);
  std::printf(
      "published %llu ticks of %zu bytes to each layout in %.2f s (%.0f publishes/s); "
      "partition 0 holds %llu\n",
      static_cast<unsigned long long>(options.messages), kTickBytes, publish_seconds,
      2.0 * static_cast<double>(options.messages) / publish_seconds,
      static_cast<unsigned long long>(counts[0]));
  if (counts[0] == 0) throw std::runtime_error("partition 0 got no key: use more --keys");

  const Layout shared{"shared", true};
  const Layout per_partition{"per-partition", false};
  std::vector<Result> results;
  std::printf("\n%-14s %-15s %-7s %9s %12s\n", "layout", "measurement", "repeat", "seconds",
              "messages/s");
  auto measure = [&](const char* measurement, std::uint64_t messages, auto&& time_one) {
    for (int r = 0; r < options.repeats; ++r) {
      // Alternating which layout goes first, so neither always finds the server's caches warm.
      const Layout* order[2] = {&shared, &per_partition};
      if (r % 2 == 1) std::swap(order[0], order[1]);
      for (const Layout* layout : order) {
        const double taken = time_one(*layout);
        results.push_back({layout, measurement, taken, messages});
        print_row(layout->name, measurement, std::to_string(r + 1), taken, messages);
      }
    }
  };
  measure("replay-one", counts[0],
          [&](const Layout& layout) { return replay_one(*js, layout, counts[0], options.batch); });
  measure("all-partitions", options.messages,
          [&](const Layout& layout) { return all_partitions(*js, layout, counts, options.batch); });

  std::printf("\nmedians:\n");
  for (const char* measurement : {"replay-one", "all-partitions"}) {
    const std::uint64_t messages =
        std::strcmp(measurement, "replay-one") == 0 ? counts[0] : options.messages;
    const double shared_s = median_seconds(results, shared, measurement);
    const double per_s = median_seconds(results, per_partition, measurement);
    print_row(shared.name, measurement, "median", shared_s, messages);
    print_row(per_partition.name, measurement, "median", per_s, messages);
    std::printf("%-14s %-15s %-7s %9.2fx\n", "shared/per", measurement, "ratio", shared_s / per_s);
  }
  std::printf("\nconsumers left on the layout streams: %lld\n",
              static_cast<long long>(consumers_left(*js, options.partitions)));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::optional<Options> options = parse_options(argc, argv);
  if (!options) {
    std::fputs(kUsage, stderr);
    return 2;
  }
  try {
    return run(*options);
  } catch (const std::exception& error) {
    std::fprintf(stderr, "nats_stream_layout: %s\n", error.what());
    return 1;
  }
}
