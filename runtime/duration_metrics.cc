// duration_metrics.cc: series creation and the scrape-time conversion to MetricFamily.
#include "runtime/duration_metrics.h"

namespace lull::runtime {
namespace {

std::vector<prometheus::ClientMetric::Label> to_labels(const Labels& labels) {
  std::vector<prometheus::ClientMetric::Label> out;
  for (const auto& [name, value] : labels) out.push_back({name, value});
  return out;
}

}  // namespace

DurationFamily::DurationFamily(std::string name, std::string help, std::string max_help,
                               std::vector<std::string> max_label_names,
                               WindowedMax::Clock::duration window)
    : name_(std::move(name)),
      help_(std::move(help)),
      max_help_(std::move(max_help)),
      max_label_names_(std::move(max_label_names)),
      window_(window) {}

Labels DurationFamily::max_labels(const Labels& labels) const {
  Labels kept;
  for (const auto& label : max_label_names_) {
    if (auto it = labels.find(label); it != labels.end()) kept.insert(*it);
  }
  return kept;
}

DurationMetric DurationFamily::add(const Labels& labels) {
  std::lock_guard lock(mutex_);
  auto& histogram = histograms_[labels];
  if (!histogram) histogram = std::make_unique<AtomicHistogram>();
  auto& max = maxima_[max_labels(labels)];
  if (!max) max = std::make_unique<WindowedMax>(window_);
  return DurationMetric(*histogram, *max);
}

std::vector<prometheus::MetricFamily> DurationFamily::Collect() const {
  std::lock_guard lock(mutex_);
  prometheus::MetricFamily histograms{
      name_ + "_seconds", help_, prometheus::MetricType::Histogram, {}};
  for (const auto& [labels, histogram] : histograms_) {
    auto snapshot = histogram->snapshot();
    prometheus::ClientMetric metric;
    metric.label = to_labels(labels);
    metric.histogram.sample_count = snapshot.count();
    metric.histogram.sample_sum = snapshot.sum_seconds;
    for (std::size_t i = 0; i < AtomicHistogram::kBounds.size(); ++i) {
      metric.histogram.bucket.push_back({snapshot.cumulative[i], AtomicHistogram::kBounds[i]});
    }
    metric.histogram.bucket.push_back({snapshot.count(), std::numeric_limits<double>::infinity()});
    histograms.metric.push_back(std::move(metric));
  }
  prometheus::MetricFamily maxima{
      name_ + "_max_seconds", max_help_, prometheus::MetricType::Gauge, {}};
  const auto now = now_();
  for (const auto& [labels, max] : maxima_) {
    prometheus::ClientMetric metric;
    metric.label = to_labels(labels);
    metric.gauge.value = max->max(now);
    maxima.metric.push_back(std::move(metric));
  }
  return {std::move(histograms), std::move(maxima)};
}

}  // namespace lull::runtime
