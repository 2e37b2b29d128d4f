// setup.cc: inspect everything, refuse on any difference, then create what is missing.
// A KV bucket is the stream KV_<bucket> (libnats 3.4.1 kv.c): history is its
// MaxMsgsPerSubject and the TTL its MaxAge, so buckets are checked through stream info too.
#include "daemon/nats/setup.h"

#include <algorithm>

#include "daemon/nats/nats_handles.h"
#include "daemon/nats/partition.h"

namespace lull::daemon::nats {
namespace {

// What one stream (or the stream under a bucket) must look like.
struct Wanted {
  std::string name;     // stream name (KV_<bucket> for a bucket)
  std::string display;  // as a person knows it: the stream or the bucket name
  std::string subject;  // the one captured subject; empty for a bucket (libnats sets it)
  std::int64_t max_age_ns = 0;
  std::int64_t history = 0;  // 0: not a bucket
  std::string description;
};

std::string format_duration(std::int64_t ns) {
  if (ns == 0) return "none";
  if (ns % 1'000'000'000 == 0) return std::to_string(ns / 1'000'000'000) + "s";
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  return std::to_string(ns) + "ns";
}

const char* storage_name(jsStorageType storage) {
  return storage == js_FileStorage ? "file" : "memory";
}

// The stream's info, or nullptr when there is no such stream.
StreamInfo find_stream(jsCtx& js, const std::string& name) {
  jsStreamInfo* raw = nullptr;
  jsErrCode code = static_cast<jsErrCode>(0);
  natsStatus status = js_GetStreamInfo(&raw, &js, name.c_str(), nullptr, &code);
  if (status == NATS_NOT_FOUND || code == JSStreamNotFoundErr) return nullptr;
  check(status, "stream info " + name, code);
  return StreamInfo(raw);
}

void compare(const jsStreamConfig& have, const Wanted& want, int replicas,
             std::vector<std::string>& differences) {
  auto differs = [&](const std::string& what, const std::string& has, const std::string& wants) {
    differences.push_back(want.display + ": " + what + " " + has + ", plan wants " + wants);
  };
  if (!want.subject.empty()) {
    std::string subjects;
    for (int i = 0; i < have.SubjectsLen; ++i) {
      subjects += (i == 0 ? "" : ",") + std::string(have.Subjects[i]);
    }
    if (have.SubjectsLen != 1 || want.subject != have.Subjects[0]) {
      differs("subjects", "[" + subjects + "]", "[" + want.subject + "]");
    }
  }
  if (have.Storage != js_FileStorage) differs("storage", storage_name(have.Storage), "file");
  if (have.Retention != js_LimitsPolicy) differs("retention", "not limits", "limits");
  if (have.Replicas != replicas) {
    differs("replicas", std::to_string(have.Replicas), std::to_string(replicas));
  }
  if (have.MaxAge != want.max_age_ns) {
    differs(want.history != 0 ? "TTL" : "max_age", format_duration(have.MaxAge),
            format_duration(want.max_age_ns));
  }
  if (want.history != 0 && have.MaxMsgsPerSubject != want.history) {
    differs("history", std::to_string(have.MaxMsgsPerSubject), std::to_string(want.history));
  }
}

void create(jsCtx& js, const Wanted& want, int replicas) {
  if (want.history == 0) {
    jsStreamConfig config;
    check(jsStreamConfig_Init(&config), "stream config");
    const char* subjects[] = {want.subject.c_str()};
    config.Name = want.name.c_str();
    config.Description = want.description.c_str();
    config.Subjects = subjects;
    config.SubjectsLen = 1;
    config.Retention = js_LimitsPolicy;
    config.Storage = js_FileStorage;
    config.Replicas = replicas;
    config.MaxAge = want.max_age_ns;  // Duplicates stays 0: the server's default window
    jsErrCode code = static_cast<jsErrCode>(0);
    // An identical stream created meanwhile (a concurrent setup) is not an error to the
    // server; a different one is JSStreamNameExistErr, reported as it is.
    check(js_AddStream(nullptr, &js, &config, nullptr, &code), "create stream " + want.name, code);
    return;
  }
  kvConfig config;
  check(kvConfig_Init(&config), "kv config");
  std::string bucket = want.display;
  config.Bucket = bucket.c_str();
  config.Description = want.description.c_str();
  config.History = static_cast<std::uint8_t>(want.history);
  config.TTL = want.max_age_ns;  // nanoseconds: libnats copies it into the stream's MaxAge
  config.StorageType = js_FileStorage;
  config.Replicas = replicas;
  kvStore* raw = nullptr;
  check(js_CreateKeyValue(&raw, &js, &config), "create kv bucket " + bucket);
  KeyValue release(raw);
}

void validate(const SetupPlan& plan, std::chrono::nanoseconds lease_ttl) {
  auto fail = [](const std::string& what) { throw std::invalid_argument("nats setup: " + what); };
  if (plan.servers.empty()) fail("no servers");
  if (plan.partitions == 0) fail("partitions must be > 0");
  if (plan.replicas < 1 || plan.replicas > 5) fail("replicas must be 1..5 (JetStream's limit)");
  if (plan.max_age.count() <= 0) fail("max_age must be > 0 (0 would keep events forever)");
  if (lease_ttl.count() <= 0) fail("lease_ttl must be > 0");
  bool prefix_ok = !plan.stream_prefix.empty() &&
                   std::all_of(plan.stream_prefix.begin(), plan.stream_prefix.end(), [](char c) {
                     return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '_' || c == '-';
                   });
  if (!prefix_ok) fail("stream_prefix must be [A-Za-z0-9_-]+, got \"" + plan.stream_prefix + "\"");
  // The subject may have several tokens ("lull.ticks"); each must be a plain token.
  std::size_t start = 0;
  for (;;) {
    auto dot = plan.subject.find('.', start);
    auto token = std::string_view(plan.subject).substr(start, dot - start);
    if (!is_subject_token(token)) fail("subject \"" + plan.subject + "\" is not a literal subject");
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
}

}  // namespace

SetupConflict::SetupConflict(std::vector<std::string> differences)
    : std::runtime_error([&] {
        std::string text = "nats setup: existing streams differ from the plan (nothing changed):";
        for (const auto& line : differences) text += "\n  " + line;
        return text;
      }()),
      differences_(std::move(differences)) {}

std::string partition_stream(const std::string& prefix, std::uint32_t partition) {
  return prefix + "_" + std::to_string(partition);
}
std::string partition_subjects(const std::string& subject, std::uint32_t partition) {
  return subject + "." + std::to_string(partition) + ".*";
}
std::string positions_bucket(const std::string& prefix) {
  return prefix + "_positions";
}
std::string members_bucket(const std::string& prefix) {
  return prefix + "_members";
}
std::string leases_bucket(const std::string& prefix) {
  return prefix + "_leases";
}

std::string mapping_stanza(const std::string& subject, std::uint32_t partitions) {
  return "mappings = {\n  \"" + subject + ".*\": \"" + subject + ".{{partition(" +
         std::to_string(partitions) + ",1)}}.{{wildcard(1)}}\"\n}\n";
}

SetupReport set_up_jetstream(const SetupPlan& plan, std::chrono::nanoseconds lease_ttl) {
  validate(plan, lease_ttl);
  const std::string& prefix = plan.stream_prefix;
  const std::string count = std::to_string(plan.partitions);
  std::vector<Wanted> wanted;
  for (std::uint32_t p = 0; p < plan.partitions; ++p) {
    auto name = partition_stream(prefix, p);
    wanted.push_back({name, name, partition_subjects(plan.subject, p), plan.max_age.count(), 0,
                      "lull: partition " + std::to_string(p) + " of " + count});
  }
  auto bucket = [&](const std::string& name, std::int64_t ttl_ns, const char* description) {
    wanted.push_back({"KV_" + name, name, "", ttl_ns, 1, description});
  };
  bucket(positions_bucket(prefix), 0, "lull: committed position per partition");
  bucket(members_bucket(prefix), lease_ttl.count(), "lull: live instances");
  bucket(leases_bucket(prefix), lease_ttl.count(), "lull: partition owners");

  Connection connection = connect(plan.servers, "lull-nats-setup");
  JetStream js = jetstream(*connection);

  // Pass 1: look at everything before touching anything.
  std::vector<std::string> differences;
  std::vector<const Wanted*> missing;
  SetupReport report;
  for (const auto& want : wanted) {
    StreamInfo info = find_stream(*js, want.name);
    if (!info) {
      missing.push_back(&want);
      continue;
    }
    std::size_t before = differences.size();
    compare(*info->Config, want, plan.replicas, differences);
    if (differences.size() == before) report.existing.push_back(want.display);
  }
  auto beyond = partition_stream(prefix, plan.partitions);
  if (find_stream(*js, beyond)) {
    differences.push_back(beyond + ": exists, so the stream set was made with more than " + count +
                          " partitions; P is fixed per stream set");
  }
  if (!differences.empty()) throw SetupConflict(std::move(differences));

  // Pass 2: create what is missing.
  for (const Wanted* want : missing) {
    create(*js, *want, plan.replicas);
    report.created.push_back(want->display);
  }

  std::uint32_t streams_created = 0;
  for (const Wanted* want : missing) streams_created += want->history == 0 ? 1 : 0;
  std::string& text = report.summary;
  text += "streams " + partition_stream(prefix, 0) + ".." +
          partition_stream(prefix, plan.partitions - 1) + " capturing " + plan.subject +
          ".<p>.*: file, R" + std::to_string(plan.replicas) + ", max_age " +
          format_duration(plan.max_age.count()) + ": " + std::to_string(streams_created) +
          " created, " + std::to_string(plan.partitions - streams_created) + " already there\n";
  for (std::size_t i = wanted.size() - 3; i < wanted.size(); ++i) {
    const auto& want = wanted[i];
    bool created = std::find(report.created.begin(), report.created.end(), want.display) !=
                   report.created.end();
    text += "kv " + want.display + ": history 1, TTL " + format_duration(want.max_age_ns) + ": " +
            (created ? "created" : "already there") + "\n";
  }
  text +=
      "nats-server config (reload with SIGHUP):\n" + mapping_stanza(plan.subject, plan.partitions);
  return report;
}

}  // namespace lull::daemon::nats
