-- wrk reports p50, p95 and p99 of the latency, throughput and errors as one JSON line.
done = function(summary, latency, requests)
    local errors = summary.errors.connect + summary.errors.read + summary.errors.write
        + summary.errors.status + summary.errors.timeout
    io.write(string.format(
        'JSON {"requests": %d, "seconds": %.3f, "bytes": %d, "errors": %d, ' ..
        '"p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f, "max_ms": %.2f}\n',
        summary.requests, summary.duration / 1e6, summary.bytes, errors,
        latency:percentile(50) / 1000, latency:percentile(95) / 1000,
        latency:percentile(99) / 1000, latency.max / 1000))
end
