"""`python -m benchmarks`: every benchmark, one after the other."""

from benchmarks import bench_coalesce, bench_codec, bench_mapping, bench_service, bench_sharing

for bench in (bench_mapping, bench_codec, bench_service, bench_coalesce, bench_sharing):
    print(f"== {bench.__name__}", flush=True)
    bench.main([])
