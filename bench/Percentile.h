#pragma once

// What the benchmark programs share: the percentile of a set of timings.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace bench {

/// The value at `p` (0 to 1) of `values`, nearest rank; 0 when there is none.
inline double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[std::min(values.size() - 1, static_cast<std::size_t>(p * static_cast<double>(values.size())))];
}

} // namespace bench
